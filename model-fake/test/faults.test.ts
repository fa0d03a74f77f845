import { afterEach, describe, expect, it } from 'vitest';
import type { Provider, Reply, ScriptedModel, TurnContext } from '../src/index.ts';
import { startScriptedModel, textReply } from '../src/index.ts';
import { claudeBody, codexBody, PATHS, parseSse, post, postSse } from './harness.ts';

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

const bodies: Record<Provider, (prompt: string) => Record<string, unknown>> = { openai: (p) => codexBody(p), anthropic: (p) => claudeBody(p) };

/** The prompt picks the fault, so one server can serve a fault and a normal turn side by side. */
function faultScript(fault: Reply): (turn: TurnContext) => Reply {
  return (turn) => (turn.firstUserText === 'fault' ? fault : textReply(`normal: ${turn.firstUserText}`));
}

describe.each<Provider>(['openai', 'anthropic'])('faults (%s)', (provider) => {
  const body = bodies[provider];

  it('http_error answers the status with the provider error body and the given headers', async () => {
    model = await startScriptedModel({ script: faultScript({ kind: 'http_error', status: 429, headers: { 'retry-after': '7' } }) });
    const res = await post(model.url + PATHS[provider], body('fault'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    const error = (await res.json()) as { error: { message: string; type: string } };
    expect(error.error.message).toContain('429');
    expect(error.error.type).toBe(provider === 'openai' ? 'rate_limit_exceeded' : 'rate_limit_error');
    expect(model.requests[0]?.answer).toBe('http_error');
  });

  it('http_error sends a given body as is', async () => {
    model = await startScriptedModel({ script: faultScript({ kind: 'http_error', status: 503, body: 'upstream gone' }) });
    const res = await post(model.url + PATHS[provider], body('fault'));
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('upstream gone');
  });

  it('malformed_sse sends an event stream that does not parse and never completes', async () => {
    model = await startScriptedModel({ script: faultScript({ kind: 'malformed_sse' }) });
    const res = await post(model.url + PATHS[provider], body('fault'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => parseSse(text)).toThrow();
    expect(text).not.toMatch(/response\.completed|message_stop/);
  });

  it('hang keeps the stream open while other requests are answered, until the client aborts', async () => {
    model = await startScriptedModel({ script: faultScript({ kind: 'hang' }) });
    const controller = new AbortController();
    const res = await post(model.url + PATHS[provider], body('fault'), { signal: controller.signal });
    expect(res.status).toBe(200);
    await model.waitForRequests(1);
    expect(model.requests[0]?.answer).toBe('hang');
    let settled = false;
    const reading = res.text().then(
      () => 'completed',
      (err: unknown) => (err instanceof Error ? err.name : String(err)),
    );
    void reading.finally(() => {
      settled = true;
    });
    // A whole second exchange finishes while the first stream stays open.
    const other = await postSse(model.url + PATHS[provider], body('other'));
    expect(JSON.stringify(other)).toContain('normal: other');
    expect(settled).toBe(false);
    controller.abort();
    expect(await reading).toBe('AbortError');
    await expect(model.close()).resolves.toBeUndefined();
    model = undefined;
  });

  it('close() ends a hanging stream instead of waiting for it', async () => {
    model = await startScriptedModel({ script: faultScript({ kind: 'hang' }) });
    const res = await post(model.url + PATHS[provider], body('fault'));
    await model.waitForRequests(1);
    const reading = res.text().then(
      () => 'completed',
      () => 'failed',
    );
    await expect(model.close()).resolves.toBeUndefined();
    model = undefined;
    expect(await reading).toBe('failed');
  });
});
