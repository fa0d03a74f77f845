import { afterEach, describe, expect, it } from 'vitest';
import type { ScriptedModel, TurnContext } from '../src/index.ts';
import { sequenceScript, startScriptedModel, steps, textReply } from '../src/index.ts';
import { CODEX_TOOLS, codexBody, PATHS, post, postSse } from './harness.ts';

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

const script = sequenceScript(
  [steps({ type: 'tool', server: 'stageline', name: 'run_status_report', args: { text: 'working' } }), steps({ type: 'shell', command: 'printf hello > out.txt' })],
  'done',
);

describe('OpenAI Responses (codex)', () => {
  it('records when each answer was fully written, so the model\'s own time can be told apart', async () => {
    model = await startScriptedModel({ script });
    await postSse(model.url + PATHS.openai, codexBody('change it'));
    const [entry] = model.requests;
    expect(entry?.doneAt).not.toBeNull();
    expect(entry?.doneAt ?? 0).toBeGreaterThanOrEqual(entry?.time ?? Number.POSITIVE_INFINITY);
  });

  it('plays tool, shell, text as function_call, exec_command and a final message', async () => {
    model = await startScriptedModel({ script });
    const url = model.url + PATHS.openai;

    const first = await postSse(url, codexBody('change it'));
    expect(first.map((e) => e.event)).toEqual(['response.created', 'response.output_item.done', 'response.completed']);
    const mcpCall = first[1]?.data.item as Record<string, unknown>;
    expect(first[1]?.data.output_index).toBe(0);
    expect(mcpCall).toEqual({ type: 'function_call', namespace: 'mcp__stageline', name: 'run_status_report', arguments: '{"text":"working"}', call_id: 'call_fake_0' });
    const completed = first[2]?.data.response as { id: string; status: string; usage: Record<string, number> };
    expect(completed.id).toMatch(/^resp_/);
    expect(completed.status).toBe('completed');
    expect(completed.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(completed.usage.total_tokens).toBe(Number(completed.usage.input_tokens) + Number(completed.usage.output_tokens));

    const second = await postSse(url, codexBody('change it', [{ item: mcpCall, output: 'reported' }]));
    const shellCall = second[1]?.data.item as Record<string, unknown>;
    expect(shellCall).toEqual({ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd: 'printf hello > out.txt' }), call_id: 'call_fake_1' });
    expect(second.at(-1)?.event).toBe('response.completed');

    const third = await postSse(url, codexBody('change it', [{ item: mcpCall, output: 'reported' }, { item: shellCall, output: 'exit 0' }]));
    expect(third.map((e) => e.event)).toEqual(['response.created', 'response.output_item.done', 'response.completed']);
    expect(third[1]?.data.item).toMatchObject({ type: 'message', role: 'assistant', id: expect.stringMatching(/^msg_/), content: [{ type: 'output_text', text: 'done', annotations: [] }] });

    expect(model.requests.map((r) => [r.provider, r.purpose, r.step, r.answer, r.path])).toEqual([
      ['openai', 'turn', 0, 'steps', '/v1/responses'],
      ['openai', 'turn', 1, 'steps', '/v1/responses'],
      ['openai', 'turn', 2, 'steps', '/v1/responses'],
    ]);
  });

  it('gives the script the step, the earlier outputs and the prompt read from the request', async () => {
    const seen: TurnContext[] = [];
    model = await startScriptedModel({
      script: (turn) => {
        seen.push(turn);
        return textReply(`step ${turn.step}`);
      },
    });
    const history = [
      { item: { type: 'function_call', name: 'exec_command', arguments: '{}', call_id: 'a' }, output: 'first' },
      { item: { type: 'function_call', name: 'exec_command', arguments: '{}', call_id: 'b' }, output: 'second' },
    ];
    const body = codexBody('the prompt', history);
    // codex may send outputs as content parts rather than a string.
    (body.input as Record<string, unknown>[]).push({ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 'third' }] });
    const events = await postSse(model.url + PATHS.openai, body);
    expect(events[1]?.data.item).toMatchObject({ content: [{ text: 'step 3' }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      provider: 'openai',
      step: 3,
      firstUserText: 'the prompt',
      outputs: [
        { callId: 'a', output: 'first' },
        { callId: 'b', output: 'second' },
        { callId: 'c', output: 'third' },
      ],
    });
    expect(seen[0]?.body).toEqual(body);
    expect(model.requests[0]?.body).toEqual(body);
  });

  it('answers a reply with several calls in one response, call ids counting on from the step', async () => {
    model = await startScriptedModel({ script: () => steps({ type: 'text', text: 'two things' }, { type: 'tool', name: 'update_plan', args: { plan: [] } }, { type: 'shell', command: 'true' }) });
    const events = await postSse(model.url + PATHS.openai, codexBody('go', [{ item: { type: 'function_call', name: 'x', arguments: '{}', call_id: 'z' }, output: '' }]));
    expect(events.map((e) => e.data.output_index ?? null)).toEqual([null, 0, 1, 2, null]);
    expect(events.slice(1, 4).map((e) => e.data.item)).toMatchObject([
      { type: 'message' },
      { type: 'function_call', name: 'update_plan', arguments: '{"plan":[]}', call_id: 'call_fake_1' },
      { type: 'function_call', name: 'exec_command', call_id: 'call_fake_2' },
    ]);
    expect(events[1]?.data.item).not.toHaveProperty('namespace');
  });

  it.each([
    ['shell_command', [{ type: 'function', name: 'shell_command' }], { name: 'shell_command', arguments: '{"command":"ls"}' }],
    ['shell', [{ type: 'function', name: 'shell' }], { name: 'shell', arguments: '{"command":["bash","-lc","ls"]}' }],
  ])('calls %s when the request offers it instead of exec_command', async (_name, tools, expected) => {
    model = await startScriptedModel({ script: () => steps({ type: 'shell', command: 'ls' }) });
    const events = await postSse(model.url + PATHS.openai, codexBody('go', [], tools));
    expect(events[1]?.data.item).toMatchObject(expected);
  });

  it('calls a flat mcp__<server>__<tool> function when the request offers MCP tools that way', async () => {
    model = await startScriptedModel({ script: () => steps({ type: 'tool', server: 'stageline', name: 'run_context', args: {} }) });
    const events = await postSse(model.url + PATHS.openai, codexBody('go', [], [...CODEX_TOOLS, { type: 'function', name: 'mcp__stageline__run_context' }]));
    expect(events[1]?.data.item).toEqual({ type: 'function_call', name: 'mcp__stageline__run_context', arguments: '{}', call_id: 'call_fake_0' });
  });

  it('answers a request without stream: true with the whole response as JSON', async () => {
    model = await startScriptedModel({ script });
    const res = await post(model.url + PATHS.openai, { ...codexBody('go'), stream: false });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-5.4', output: [{ type: 'function_call', namespace: 'mcp__stageline' }] });
  });

  it('answers 500 in the OpenAI error shape when the script throws, and says why', async () => {
    model = await startScriptedModel({
      script: () => {
        throw new Error('no plan for this');
      },
    });
    const res = await post(model.url + PATHS.openai, codexBody('go'));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('no plan for this'), type: 'server_error' } });
    expect(model.requests[0]?.answer).toBe('script_error: no plan for this');
  });
});
