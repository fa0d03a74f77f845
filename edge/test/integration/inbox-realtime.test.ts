// The live inbox (docs/domain.md §8.4): every state an approval request or a
// question takes is an `inbox.changed` event on its run's project channel,
// written with the change and pushed after the commit, whichever channel made
// the change (an agent's MCP call, the console, the cluster's report, the
// expiry sweep). A member of another project never hears of it.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { approvalRequests, projects } from '@stageline/db';
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { latestEventId } from '../../src/db/realtime-repo.ts';
import { expireApproval } from '../../src/domain/approvals.ts';
import { expireInteraction } from '../../src/domain/interactions.ts';
import { BASE, claimedRun, createRun, seedProject, withDb, wrapSocket, type TestSocket } from '../helpers.ts';
import { signedIn, staffFetch, type StaffSession } from '../staff.ts';

type Message = Record<string, unknown>;

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'inbox-realtime-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (input, init) => SELF.fetch(input, init), requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown };
  if (result.isError === true) {
    throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  }
  return result.structuredContent ?? {};
}

/** A console socket on one project's channel, as the console opens it. */
async function openChannel(session: StaffSession, projectId: string, lastEventId: number): Promise<TestSocket> {
  const res = await staffFetch(session, `/api/v1/realtime?last_event_id=${lastEventId}&project=${projectId}`, { headers: { upgrade: 'websocket' } });
  if (res.webSocket === null) {
    throw new Error(`upgrade failed: ${res.status}`);
  }
  return wrapSocket(res.webSocket);
}

const isInboxEvent = (id: string, state: string) => (m: Message) => m.type === 'event' && m.topic === 'inbox.changed' && (m.payload as { id?: string }).id === id && (m.payload as { state?: string }).state === state;

/** Every message up to and including the first that matches (order kept). */
async function until(socket: TestSocket, predicate: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message[]> {
  const seen: Message[] = [];
  for (;;) {
    const m = await socket.next(undefined, timeoutMs);
    seen.push(m);
    if (predicate(m)) {
      return seen;
    }
  }
}

/** A running run of a fresh project, a member of it, and a member of another project of the same cluster. */
async function twoProjects(overrides: unknown[] = []) {
  const { seeded, a, run } = await claimedRun();
  a.send({ type: 'run.status', id: `s-${run.runId.slice(0, 6)}`, runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace: `stageline-issue-${run.runId.slice(0, 8)}` });
  await a.next((m) => m.type === 'ack');
  await withDb((d) => d.update(projects).set({ approvalOverrides: overrides }).where(eq(projects.id, seeded.projectId)));
  const other = await seedProject(seeded.clusterId);
  const outsider = await signedIn({ roles: { [other.projectId]: 'admin' } });
  return { seeded, a, run, other, outsider, client: await connect(run.runToken) };
}

/**
 * Nothing of `id` reached the other project's socket: a later event of its own
 * project arrives with nothing of ours before it, and a reconnect from the
 * cursor the test started at replays nothing of ours either.
 */
async function expectNothingOf(id: string, other: { repoExternalId: number; projectId: string }, outsider: StaffSession, socket: TestSocket, from: number): Promise<void> {
  const otherRun = await createRun(other.repoExternalId);
  const isOtherRun = (m: Message) => m.type === 'event' && m.topic === 'run.status' && (m.payload as { run: { id: string } }).run.id === otherRun;
  const live = await until(socket, isOtherRun);
  const replayed = await until(await openChannel(outsider, other.projectId, from), (m) => m.type === 'ready');
  expect(replayed.some(isOtherRun)).toBe(true);
  expect(JSON.stringify([live, replayed])).not.toContain(id);
}

/** The `inbox.changed` payloads a reconnect from `from` replays (the Channel's replay overlaps older ids: those are left out). */
async function inboxEventsAfter(session: StaffSession, projectId: string, from: number): Promise<unknown[]> {
  const replayed = await until(await openChannel(session, projectId, from), (m) => m.type === 'ready');
  return replayed.filter((m) => m.topic === 'inbox.changed' && Number(m.id) > from).map((m) => m.payload);
}

describe('inbox.changed', () => {
  it('reaches a member when an approval request is created, decided in the console and applied; never another project', async () => {
    const { seeded, a, run, other, outsider, client } = await twoProjects([{ tool: 'secret_sync', mode: 'delegated' }]);
    const member = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const from = await withDb((d) => latestEventId(d));
    const mine = await openChannel(member, seeded.projectId, from);
    const theirs = await openChannel(outsider, other.projectId, from);
    await Promise.all([mine.next((m) => m.type === 'ready'), theirs.next((m) => m.type === 'ready')]);

    const asked = await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'api', kubernetes_secret_key: 'token', policy: 'provided', secret_value: 'v4lue-never-on-the-socket', justification: 'the app calls the API' });
    const requestId = String(asked.request_id);
    const created = await mine.next(isInboxEvent(requestId, 'requested'), 10_000);
    // Ids and state only: no target, no justification, no value.
    expect(created).toEqual({ type: 'event', id: expect.any(Number), topic: 'inbox.changed', payload: { kind: 'approval', id: requestId, run_id: run.runId, state: 'requested' } });

    const decided = await staffFetch(member, `/api/v1/staff/approvals/${requestId}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
    expect(decided.status).toBe(200);
    expect((await mine.next(isInboxEvent(requestId, 'approved'), 10_000)).payload).toEqual({ kind: 'approval', id: requestId, run_id: run.runId, state: 'approved' });

    await a.next((m) => m.type === 'secret.apply');
    a.send({ type: 'secret.applied', id: 'sa-inbox', requestId, runId: run.runId, ok: true });
    await a.next((m) => m.ref === 'sa-inbox');
    await mine.next(isInboxEvent(requestId, 'applied'), 10_000);

    await expectNothingOf(requestId, other, outsider, theirs, from);
  });

  it('reaches a member when a question is asked and answered in the console', async () => {
    const { seeded, run, other, outsider, client } = await twoProjects();
    // The question goes to the author (octocat in the fixture): only they answer it.
    const recipient = await signedIn({ login: 'octocat', roles: { [seeded.projectId]: 'read' } });
    const from = await withDb((d) => latestEventId(d));
    const mine = await openChannel(recipient, seeded.projectId, from);
    const theirs = await openChannel(outsider, other.projectId, from);
    await Promise.all([mine.next((m) => m.type === 'ready'), theirs.next((m) => m.type === 'ready')]);

    const asked = await call(client, 'user_decision_request', { question: 'Ship it on Friday?', options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }], allow_free_text: false, ttl_seconds: 600 });
    const questionId = String(asked.request_id);
    expect((await mine.next(isInboxEvent(questionId, 'pending'), 10_000)).payload).toEqual({ kind: 'question', id: questionId, run_id: run.runId, state: 'pending' });

    const answered = await staffFetch(recipient, `/api/v1/staff/questions/${questionId}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ option_id: 'no' }) });
    expect(answered.status).toBe(200);
    const event = await mine.next(isInboxEvent(questionId, 'answered'), 10_000);
    // The question's text and the answer stay in the inbox API.
    expect(JSON.stringify(event)).not.toContain('Friday');

    await expectNothingOf(questionId, other, outsider, theirs, from);
  });

  // The sweep's use cases, called outside any request: nothing pushes their effects, so only the event log can carry them.
  it('is in the log when an approval request expires: a reconnect from before the expiry replays it', async () => {
    const { seeded, run, client } = await twoProjects([{ tool: 'secret_sync', mode: 'delegated' }]);
    const member = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const requestId = String((await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'api', kubernetes_secret_key: 'token', policy: 'random' })).request_id);
    const from = await withDb((d) => latestEventId(d));
    await withDb((d) => expireApproval(d, requestId, new Date(Date.now() + 86_400_000)));
    expect(await inboxEventsAfter(member, seeded.projectId, from)).toEqual([{ kind: 'approval', id: requestId, run_id: run.runId, state: 'expired' }]);
  });

  it('is in the log when a question expires', async () => {
    const { seeded, run, client } = await twoProjects();
    const member = await signedIn({ roles: { [seeded.projectId]: 'read' } });
    const questionId = String((await call(client, 'user_decision_request', { question: 'Which region?', options: [{ id: 'eu', label: 'EU' }, { id: 'us', label: 'US' }], allow_free_text: false, ttl_seconds: 600 })).request_id);
    const from = await withDb((d) => latestEventId(d));
    await withDb((d) => expireInteraction(d, questionId, new Date(Date.now() + 601_000)));
    expect(await inboxEventsAfter(member, seeded.projectId, from)).toEqual([{ kind: 'question', id: questionId, run_id: run.runId, state: 'expired' }]);
  });

  it('withdraws an undecided approval and cancels a pending question when their run ends: gone from the inbox, told live, no longer decidable', async () => {
    const { seeded, run, client } = await twoProjects([{ tool: 'secret_sync', mode: 'delegated' }]);
    const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
    const from = await withDb((d) => latestEventId(d));
    const requestId = String((await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'api', kubernetes_secret_key: 'token', policy: 'random' })).request_id);
    const inbox = async () => (await staffFetch(admin, '/api/v1/staff/inbox')).json<{ approvals: { request_id: string }[]; questions: { interaction_id: string }[] }>();
    expect((await inbox()).approvals.map((a) => a.request_id)).toContain(requestId);
    const socket = await openChannel(admin, seeded.projectId, from);

    const canceled = await staffFetch(admin, `/api/v1/staff/runs/${run.runId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong issue' }) });
    expect(canceled.status).toBe(200);
    expect((await socket.next(isInboxEvent(requestId, 'withdrawn'), 10_000)).payload).toEqual({ kind: 'approval', id: requestId, run_id: run.runId, state: 'withdrawn' });
    expect((await inbox()).approvals.map((a) => a.request_id)).not.toContain(requestId);
    const late = await staffFetch(admin, `/api/v1/staff/approvals/${requestId}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
    expect(late.status).toBe(409);

    // A question of another run ends the same way when that run fails.
    const second = await twoProjects();
    const question = String((await call(second.client, 'user_decision_request', { question: 'Which region?', options: [{ id: 'eu', label: 'EU' }, { id: 'us', label: 'US' }], allow_free_text: false, ttl_seconds: 600 })).request_id);
    const before = await withDb((d) => latestEventId(d));
    second.a.send({ type: 'run.status', id: `f-${second.run.runId.slice(0, 6)}`, runId: second.run.runId, epoch: 1, status: 'failed', reason: 'job_failed' });
    await second.a.next((m) => m.type === 'ack' && m.ref === `f-${second.run.runId.slice(0, 6)}`);
    const member = await signedIn({ roles: { [second.seeded.projectId]: 'read' } });
    expect(await inboxEventsAfter(member, second.seeded.projectId, before)).toEqual([{ kind: 'question', id: question, run_id: second.run.runId, state: 'cancelled' }]);
  });

  it('a cancel and a decision racing on the same request both finish: one outcome, no deadlock, no 5xx', async () => {
    for (let round = 0; round < 4; round += 1) {
      const { seeded, run, client } = await twoProjects([{ tool: 'secret_sync', mode: 'delegated' }]);
      const admin = await signedIn({ roles: { [seeded.projectId]: 'admin' } });
      const requestId = String((await call(client, 'secret_sync', { environment: 'dev', kubernetes_secret_name: 'api', kubernetes_secret_key: 'token', policy: 'random' })).request_id);
      const post = (path: string, body: unknown) => staffFetch(admin, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const [canceled, denied] = await Promise.all([post(`/api/v1/staff/runs/${run.runId}/cancel`, { reason: 'race' }), post(`/api/v1/staff/approvals/${requestId}/decision`, { decision: 'deny' })]);
      expect(canceled.status).toBe(200);
      expect([200, 409]).toContain(denied.status);
      const state = await withDb(async (d) => (await d.select({ state: approvalRequests.state }).from(approvalRequests).where(eq(approvalRequests.id, requestId)))[0]?.state);
      expect(state).toBe(denied.status === 200 ? 'denied' : 'withdrawn');
    }
  });
});
