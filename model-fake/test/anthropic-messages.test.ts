import { afterEach, describe, expect, it } from 'vitest';
import type { ScriptedModel, TurnContext } from '../src/index.ts';
import { DEFAULT_SIDE_REPLY, sequenceScript, startScriptedModel, steps, textReply } from '../src/index.ts';
import type { ParsedEvent } from './harness.ts';
import { claudeBody, PATHS, post, postSse } from './harness.ts';

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

/** Rebuilds the message from the stream as the Anthropic SDK does, tool input from its JSON pieces. */
function assemble(events: ParsedEvent[]): { blocks: Record<string, unknown>[]; stopReason: unknown } {
  const blocks: Record<string, unknown>[] = [];
  const partial: string[] = [];
  let stopReason: unknown = null;
  for (const { data } of events) {
    const index = Number(data.index);
    if (data.type === 'content_block_start') {
      blocks[index] = { ...(data.content_block as Record<string, unknown>) };
      partial[index] = '';
    } else if (data.type === 'content_block_delta') {
      const delta = data.delta as { type: string; text?: string; partial_json?: string };
      const block = blocks[index] as Record<string, unknown>;
      if (delta.type === 'text_delta') {
        block.text = String(block.text) + delta.text;
      } else {
        partial[index] += delta.partial_json ?? '';
      }
    } else if (data.type === 'content_block_stop') {
      const block = blocks[index] as Record<string, unknown>;
      if (block.type === 'tool_use') {
        block.input = JSON.parse(partial[index] ?? '') as unknown;
      }
    } else if (data.type === 'message_delta') {
      stopReason = (data.delta as { stop_reason: unknown }).stop_reason;
    }
  }
  return { blocks, stopReason };
}

const script = sequenceScript(
  [steps({ type: 'tool', server: 'stageline', name: 'run_status_report', args: { text: 'a longer status text, streamed in several pieces' } }), steps({ type: 'shell', command: 'printf hello > out.txt' })],
  'done',
);

describe('Anthropic Messages (Claude Code)', () => {
  it('plays tool, shell, text as mcp__ tool_use, Bash and end_turn', async () => {
    model = await startScriptedModel({ script });
    const url = model.url + PATHS.anthropic;

    const first = await postSse(url, claudeBody('change it'));
    expect(first[0]).toMatchObject({ event: 'message_start', data: { message: { id: expect.stringMatching(/^msg_/), role: 'assistant', content: [], model: 'claude-sonnet-4-5', usage: { input_tokens: expect.any(Number) } } } });
    expect(first.slice(-2).map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
    expect(first[1]?.data.content_block).toEqual({ type: 'tool_use', id: 'toolu_fake_0', name: 'mcp__stageline__run_status_report', input: {} });
    expect(first.filter((e) => e.event === 'content_block_delta').length).toBeGreaterThan(1);
    const step0 = assemble(first);
    expect(step0.stopReason).toBe('tool_use');
    expect(step0.blocks).toEqual([{ type: 'tool_use', id: 'toolu_fake_0', name: 'mcp__stageline__run_status_report', input: { text: 'a longer status text, streamed in several pieces' } }]);
    const toolBlock = step0.blocks[0] as Record<string, unknown>;

    const step1 = assemble(await postSse(url, claudeBody('change it', [{ block: toolBlock, output: 'reported' }])));
    expect(step1.stopReason).toBe('tool_use');
    expect(step1.blocks).toEqual([{ type: 'tool_use', id: 'toolu_fake_1', name: 'Bash', input: { command: 'printf hello > out.txt', description: 'Run printf hello > out.txt' } }]);
    const bashBlock = step1.blocks[0] as Record<string, unknown>;

    const step2 = assemble(
      await postSse(
        url,
        claudeBody('change it', [
          { block: toolBlock, output: 'reported' },
          { block: bashBlock, output: '' },
        ]),
      ),
    );
    expect(step2).toEqual({ blocks: [{ type: 'text', text: 'done' }], stopReason: 'end_turn' });
    expect(model.requests.map((r) => [r.provider, r.purpose, r.step, r.path])).toEqual([
      ['anthropic', 'turn', 0, '/v1/messages?beta=true'],
      ['anthropic', 'turn', 1, '/v1/messages?beta=true'],
      ['anthropic', 'turn', 2, '/v1/messages?beta=true'],
    ]);
  });

  it('gives the script the step, the tool results and the prompt without the system reminder', async () => {
    const seen: TurnContext[] = [];
    model = await startScriptedModel({
      script: (turn) => {
        seen.push(turn);
        return textReply('ok');
      },
    });
    const body = claudeBody('the prompt', [
      { block: { type: 'tool_use', id: 't1', name: 'Bash', input: {} }, output: 'one' },
      { block: { type: 'tool_use', id: 't2', name: 'Bash', input: {} }, output: 'two' },
    ]);
    // Results may also be plain strings.
    (body.messages as Record<string, unknown>[]).push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't3', content: 'three', is_error: true }] });
    await postSse(model.url + PATHS.anthropic, body);
    expect(seen[0]).toMatchObject({
      provider: 'anthropic',
      step: 3,
      firstUserText: 'the prompt',
      outputs: [
        { callId: 't1', output: 'one' },
        { callId: 't2', output: 'two' },
        { callId: 't3', output: 'three' },
      ],
    });
  });

  it('answers side requests (no tools, token counting) without the script, and 404s unknown paths', async () => {
    let calls = 0;
    model = await startScriptedModel({
      script: () => {
        calls += 1;
        return steps({ type: 'shell', command: 'false' });
      },
    });
    const title = assemble(await postSse(model.url + PATHS.anthropic, { ...claudeBody('summarize this session as a title'), tools: [] }));
    expect(title).toEqual({ blocks: [{ type: 'text', text: DEFAULT_SIDE_REPLY }], stopReason: 'end_turn' });
    const quota = await post(model.url + PATHS.anthropic, { model: 'claude-haiku-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'quota' }] });
    expect(await quota.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: DEFAULT_SIDE_REPLY }], stop_reason: 'end_turn' });
    const count = await post(`${model.url}/v1/messages/count_tokens?beta=true`, claudeBody('count me'));
    expect(await count.json()).toEqual({ input_tokens: expect.any(Number) });
    const probe = await fetch(model.url, { method: 'HEAD' });
    expect(probe.status).toBe(200);
    const unknown = await fetch(`${model.url}/api/oauth/profile`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found_error' } });
    expect(calls).toBe(0);
    expect(model.requests.map((r) => [r.method, r.purpose, r.answer])).toEqual([
      ['POST', 'side', 'side'],
      ['POST', 'side', 'side'],
      ['POST', 'side', 'side'],
      ['HEAD', 'other', 'probe'],
      ['GET', 'other', 'not_found'],
    ]);

    // The main conversation is still at its first step.
    const main = assemble(await postSse(model.url + PATHS.anthropic, claudeBody('go')));
    expect(main.blocks).toMatchObject([{ name: 'Bash', input: { command: 'false' } }]);
    expect(calls).toBe(1);
  });

  it('answers a non-streaming request with the whole message', async () => {
    model = await startScriptedModel({ script });
    const res = await post(model.url + PATHS.anthropic, { ...claudeBody('go'), stream: false });
    expect(await res.json()).toMatchObject({
      type: 'message',
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', id: 'toolu_fake_0', name: 'mcp__stageline__run_status_report', input: { text: expect.any(String) } }],
    });
  });

  it('rejects a body that is not JSON with 400 in the Anthropic error shape', async () => {
    model = await startScriptedModel({ script });
    const res = await fetch(model.url + PATHS.anthropic, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(model.requests[0]).toMatchObject({ body: null, answer: 'invalid_json' });
  });
});
