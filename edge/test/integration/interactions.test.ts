// Questions to a person (docs/domain.md §7.5): user_decision_request makes
// the run wait; the Job ends and the run parks (no lease, no Job, slot and
// wait kept); the answer wakes it as its next attempt, whose runner spec
// carries the typed answer. Expiry wakes it too; a late answer is refused.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { flowEvents, interactionRequests } from '@stageline/db';
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { answerInteraction, expireInteraction } from '../../src/domain/interactions.ts';
import { BASE, claimedRun, claimRuns, runRow, withDb } from '../helpers.ts';

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'interactions-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (input, init) => SELF.fetch(input, init), requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown };
  return result.isError === true ? { error: JSON.stringify(result.content) } : (result.structuredContent ?? {});
}

const question = {
  question: 'Which database should the service use?',
  options: [
    { id: 'pg', label: 'PostgreSQL' },
    { id: 'sqlite', label: 'SQLite' },
    { id: 'none', label: 'No database yet' },
  ],
  allow_free_text: true,
  ttl_seconds: 600,
};

/** A run that asked, whose Job then ended: parked. */
async function parkedRun() {
  const { a, run } = await claimedRun();
  a.send({ type: 'run.status', id: `r-${run.runId.slice(0, 6)}`, runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `ns-${run.runId.slice(0, 8)}` });
  await a.next((m) => m.type === 'ack');
  const client = await connect(run.runToken);
  const asked = await call(client, 'user_decision_request', question);
  expect(asked).toMatchObject({ status: 'pending_user_response', recipient: 'octocat' });
  // The same question again is the same request.
  expect((await call(client, 'user_decision_request', question)).request_id).toBe(asked.request_id);
  expect(await runRow(run.runId)).toMatchObject({ status: 'waiting_mcp', waitReason: 'interaction_response', waitTarget: asked.request_id });
  // The runner saved the session and exited 0: the Job succeeded while the run waits.
  a.send({ type: 'run.status', id: `d-${run.runId.slice(0, 6)}`, runId: run.runId, epoch: 1, status: 'succeeded' });
  expect(await a.next((m) => m.ref === `d-${run.runId.slice(0, 6)}`)).toMatchObject({ type: 'ack', result: 'applied' });
  expect(await runRow(run.runId)).toMatchObject({ status: 'waiting_mcp', leaseOwner: null, jobName: null, waitTarget: asked.request_id });
  return { a, run, client, requestId: String(asked.request_id) };
}

describe('user_decision_request', () => {
  it('parks the run; an answer wakes it as the next attempt whose spec carries the typed answer', async () => {
    const { a, run, requestId } = await parkedRun();
    // A parked run is nobody's: a claim does not take it over.
    expect(await claimRuns(a)).toEqual([]);
    const answered = await withDb((d) => answerInteraction(d, { interactionId: requestId, answer: { kind: 'free_text', text: 'SQLite for now, PostgreSQL later' }, responder: 'octocat', channel: 'telegram', now: new Date() }));
    expect(answered.verdict).toEqual({ kind: 'applied', response: { kind: 'free_text', text: 'SQLite for now, PostgreSQL later' } });
    expect(await runRow(run.runId)).toMatchObject({ status: 'pending', attemptNo: 2, waitReason: null, leaseOwner: null });
    const [next] = await claimRuns<{ runId: string; runToken: string; attemptNo: number }>(a);
    expect(next).toMatchObject({ runId: run.runId, attemptNo: 2 });
    const spec = await (await SELF.fetch(`${BASE}/runner/v1/run`, { headers: { authorization: `Bearer ${next?.runToken}` } })).json<{ resume: Record<string, unknown>; wait: unknown }>();
    expect(spec.wait).toBeNull();
    expect(spec.resume).toMatchObject({ kind: 'interaction', interaction_id: requestId, question: question.question, request_status: 'answered', response_kind: 'free_text', free_text: 'SQLite for now, PostgreSQL later' });
    // A second answer is stale; the first stands.
    const late = await withDb((d) => answerInteraction(d, { interactionId: requestId, answer: { kind: 'option', optionId: 'pg' }, responder: 'someone', channel: 'telegram', now: new Date() }));
    expect(late.verdict).toEqual({ kind: 'stale', state: 'answered', respondedBy: 'octocat' });
    const audit = await withDb((d) => d.select().from(flowEvents).where(eq(flowEvents.correlationId, run.correlationId)).orderBy(flowEvents.id));
    // Whether octocat has a Telegram binding depends on other tests sharing the database: recipient_not_bound is left out.
    expect(audit.map((e) => e.eventType).filter((t) => (t.startsWith('interaction.') && t !== 'interaction.recipient_not_bound') || t.startsWith('run.wait'))).toEqual(['interaction.request.created', 'run.wait.paused', 'run.wait.parked', 'interaction.response.applied', 'run.wait.resumed']);
  });

  it('an option answer and an expiry both wake the run; a late answer after expiry is refused', async () => {
    const first = await parkedRun();
    await withDb((d) => answerInteraction(d, { interactionId: first.requestId, answer: { kind: 'option', optionId: 'pg' }, responder: 'octocat', channel: 'telegram', now: new Date() }));
    expect((await runRow(first.run.runId))?.resumePayload).toMatchObject({ response_kind: 'option', selected_option_id: 'pg', selected_option_label: 'PostgreSQL' });

    const second = await parkedRun();
    expect(await withDb((d) => expireInteraction(d, second.requestId, new Date()))).toEqual([]);
    const effects = await withDb((d) => expireInteraction(d, second.requestId, new Date(Date.now() + 601_000)));
    expect(effects.map((e) => e.kind)).toContain('announce_runs');
    expect(await runRow(second.run.runId)).toMatchObject({ status: 'pending', attemptNo: 2, resumePayload: expect.objectContaining({ request_status: 'expired', response_kind: 'none' }) });
    const late = await withDb((d) => answerInteraction(d, { interactionId: second.requestId, answer: { kind: 'option', optionId: 'pg' }, responder: 'octocat', channel: 'telegram', now: new Date() }));
    expect(late.verdict).toEqual({ kind: 'expired' });
  });

  it('refuses bad questions with a tool error and asks nothing', async () => {
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    expect((await call(client, 'user_decision_request', { ...question, options: question.options.slice(0, 1) })).error).toBeDefined();
    expect((await call(client, 'user_decision_request', { ...question, options: [{ id: 'a', label: 'A' }, { id: 'A', label: 'again' }] })).error).toContain('2 to 5 distinct options');
    expect((await call(client, 'user_decision_request', { ...question, ttl_seconds: 30 })).error).toBeDefined();
    expect(await withDb((d) => d.select().from(interactionRequests).where(eq(interactionRequests.runId, run.runId)))).toEqual([]);
    expect((await runRow(run.runId))?.status).toBe('running');
  });

  it('user_notify records one message per text and does not make the run wait', async () => {
    const { run } = await claimedRun();
    const client = await connect(run.runToken);
    const sent = await call(client, 'user_notify', { text: 'Tests are green; opening the PR next.' });
    expect(sent).toMatchObject({ status: 'delivered', recipient: 'octocat' });
    expect((await call(client, 'user_notify', { text: 'Tests are green; opening the PR next.' })).request_id).toBe(sent.request_id);
    expect((await runRow(run.runId))?.status).toBe('running');
  });
});
