// The owner in the loop, first channel (docs/domain.md §6.4, §7.1): an agent's
// secret_sync opens an approval request and the run waits; a signed HTTP
// approver callback decides; the cluster's agent writes the Secret and reports;
// the run goes on. Every bad callback is refused and changes nothing; the
// secret value never appears in anything the edge writes.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { approvalEndpoints, approvalPushes, approvalRequests, flowEvents, projects, realtimeEvents } from '@stageline/db';
import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mintCallbackToken } from '../../src/approvers/callback-token.ts';
import { deliverPushes, PUSH_MAX_ATTEMPTS } from '../../src/approvers/deliver-pushes.ts';
import { signCallback, signPush } from '../../src/approvers/signature.ts';
import { sweepApprovals } from '../../src/domain/approval-sweep.ts';
import { seal } from '../../src/lib/crypto.ts';
import { createLogger } from '../../src/lib/log.ts';
import type { Db } from '../../src/db/client.ts';
import { BASE, claimedRun, runRow, withDb, type TestSocket } from '../helpers.ts';

const SECRET_VALUE = 's3cr3t-VALUE-must-never-show-9f1c';
const APPROVER_SECRET = 'approver-signing-secret-0123456789abcdef';

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'approvals-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), { fetch: (input, init) => SELF.fetch(input, init), requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/** A running run in its namespace, with its project's approval rows and one HTTP approver. */
async function runningRun(overrides: unknown[]) {
  const { seeded, a, run } = await claimedRun();
  const namespace = `stageline-issue-${run.runId.slice(0, 8)}`;
  a.send({ type: 'run.status', id: `s-${run.runId.slice(0, 6)}`, runId: run.runId, epoch: 1, status: 'running', jobName: 'job-1', namespace });
  await a.next((m) => m.type === 'ack');
  const endpointId = await withDb(async (d) => {
    await d.update(projects).set({ approvalOverrides: overrides }).where(eq(projects.id, seeded.projectId));
    const [endpoint] = await d.insert(approvalEndpoints).values({ projectId: seeded.projectId, url: 'http://approver.invalid/hook', signingSecretEncrypted: await seal(env.STAGELINE_DATA_ENCRYPTION_KEY, APPROVER_SECRET) }).returning();
    return endpoint?.id ?? '';
  });
  const client = await connect(run.runToken);
  return { seeded, a, run, namespace, endpointId, client };
}

const syncArgs = { environment: 'dev', kubernetes_secret_name: 'db-credentials', kubernetes_secret_key: 'password', policy: 'provided', secret_value: SECRET_VALUE, justification: 'the app needs its database password' };

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args })) as { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown };
  if (result.isError === true) {
    return { error: JSON.stringify(result.content) };
  }
  return result.structuredContent ?? {};
}

interface CallbackOptions {
  token?: string | null;
  secret?: string;
  timestamp?: number;
  nonce?: string;
  body?: string;
  signature?: string | null;
}

async function callback(requestId: string, endpointId: string, decision: Record<string, unknown>, o: CallbackOptions = {}): Promise<Response> {
  const expiresAt = new Date(Date.now() + 3600_000);
  const token = o.token === undefined ? (await mintCallbackToken(env.STAGELINE_MCP_TOKEN_SIGNING_KEY, { requestId, endpointId, expiresAt })).token : o.token;
  const body = o.body ?? JSON.stringify(decision);
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = o.nonce ?? crypto.randomUUID().replaceAll('-', '');
  const signature = o.signature === undefined ? await signCallback(o.secret ?? APPROVER_SECRET, timestamp, nonce, body) : o.signature;
  return SELF.fetch(`${BASE}/api/v1/approvals/callback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(signature === null ? {} : { 'x-stageline-signature-256': signature, 'x-stageline-timestamp': String(timestamp), 'x-stageline-nonce': nonce }),
    },
    body,
  });
}

async function nextSecretApply(a: TestSocket): Promise<Record<string, unknown>> {
  return a.next((m) => m.type === 'secret.apply');
}

describe('secret_sync through an HTTP approver', () => {
  it('asks once, waits, is approved by a signed callback, applied by the cluster, and the run goes on', async () => {
    const { a, run, namespace, endpointId, client } = await runningRun([{ tool: 'secret_sync', mode: 'delegated' }]);
    const first = await call(client, 'secret_sync', syncArgs);
    expect(first).toMatchObject({ status: 'approval_required', approval_state: 'requested', approval_mode: 'delegated', kubernetes_ref: `${namespace}/db-credentials#password` });
    const requestId = String(first.request_id);
    // The same call again is the same request, not a second one.
    expect((await call(client, 'secret_sync', syncArgs)).request_id).toBe(requestId);
    expect(await runRow(run.runId)).toMatchObject({ status: 'waiting_mcp', waitReason: 'approval_pending', waitTarget: requestId });
    expect(await call(client, 'approval_status', { request_id: requestId })).toMatchObject({ approval_state: 'requested', decided_by: null });

    const decided = await callback(requestId, endpointId, { decision: 'approved', actor_id: 'alice', reason: 'looks right' });
    expect(decided.status).toBe(200);
    expect(await decided.json()).toEqual({ approval_request_id: requestId, approval_state: 'approved', decided_by: `approver:${endpointId}:alice` });

    const apply = await nextSecretApply(a);
    expect(apply).toEqual({ type: 'secret.apply', requestId, runId: run.runId, namespace, name: 'db-credentials', key: 'password', value: SECRET_VALUE });
    // Still waiting until the cluster has written it.
    expect((await runRow(run.runId))?.status).toBe('waiting_mcp');
    a.send({ type: 'secret.applied', id: 'sa-1', requestId, runId: run.runId, ok: true });
    expect(await a.next((m) => m.ref === 'sa-1')).toMatchObject({ type: 'ack' });
    expect(await runRow(run.runId)).toMatchObject({ status: 'running', waitReason: null, waitTarget: null });
    expect(await call(client, 'approval_status', { request_id: requestId })).toMatchObject({ approval_state: 'applied', channel: 'http_approver', reason: 'looks right', result: { targets: [{ target: 'kubernetes', ok: true }] } });
    expect(await call(client, 'secret_sync', syncArgs)).toMatchObject({ status: 'ok', reused: true, request_id: requestId });

    // Audited with actor, channel and reason, in order.
    const audit = await withDb((d) => d.select().from(flowEvents).where(eq(flowEvents.correlationId, run.correlationId)).orderBy(flowEvents.id));
    const types = audit.map((e) => e.eventType);
    expect(types.filter((t) => t.startsWith('approval.') || t.startsWith('secret.') || t.startsWith('run.wait'))).toEqual(['approval.requested', 'run.wait.paused', 'approval.approved', 'secret.sync.target_applied', 'approval.applied', 'run.wait.resumed']);
    expect(audit.find((e) => e.eventType === 'approval.approved')).toMatchObject({ actorId: `approver:${endpointId}:alice`, payload: expect.objectContaining({ channel: 'http_approver', reason: 'looks right' }) });

    // The value is nowhere the edge writes: requests, audit, realtime events.
    const written = await withDb(async (d) => JSON.stringify([await d.select().from(approvalRequests).where(eq(approvalRequests.runId, run.runId)), audit, await d.select().from(realtimeEvents).where(eq(realtimeEvents.runId, run.runId))]));
    expect(written).not.toContain(SECRET_VALUE);
    expect(written).toContain(requestId);
  });

  it('refuses unsigned, forged, stale, mis-addressed, replayed and malformed callbacks, and a second decision, changing nothing', async () => {
    const { run, endpointId, client } = await runningRun([{ tool: 'secret_sync', mode: 'delegated' }]);
    const requestId = String((await call(client, 'secret_sync', syncArgs)).request_id);
    const approve = { decision: 'approved' };
    const expectState = async (state: string) => expect((await call(client, 'approval_status', { request_id: requestId })).approval_state).toBe(state);

    expect((await callback(requestId, endpointId, approve, { token: null })).status).toBe(401);
    expect((await callback(requestId, endpointId, approve, { token: 'not.a.jwt' })).status).toBe(401);
    expect((await callback(requestId, endpointId, approve, { signature: null })).status).toBe(401);
    expect((await callback(requestId, endpointId, approve, { secret: 'some-other-secret-0123456789abcdef' })).status).toBe(401);
    expect((await callback(requestId, endpointId, approve, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    // A token for an endpoint that does not exist (or another's) opens nothing.
    expect((await callback(requestId, crypto.randomUUID(), approve)).status).toBe(401);
    // Signed for one body, sent with another.
    const signedBody = JSON.stringify({ decision: 'denied' });
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = 'n0nce-for-a-swapped-body-000001';
    expect((await callback(requestId, endpointId, approve, { timestamp, nonce, signature: await signCallback(APPROVER_SECRET, timestamp, nonce, signedBody) })).status).toBe(401);
    expect((await callback(requestId, endpointId, {}, { body: '{"decision":' })).status).toBe(400);
    expect((await callback(requestId, endpointId, { decision: 'maybe' })).status).toBe(400);
    expect((await callback(requestId, endpointId, {}, { body: JSON.stringify({ decision: 'approved', reason: 'x'.repeat(9000) }) })).status).toBe(413);
    await expectState('requested');
    expect((await runRow(run.runId))?.status).toBe('waiting_mcp');

    const replayNonce = 'replay-nonce-0000000000000001';
    const ok = await callback(requestId, endpointId, { decision: 'denied', reason: 'not in dev' }, { nonce: replayNonce });
    expect(ok.status).toBe(200);
    const replayed = await callback(requestId, endpointId, { decision: 'denied', reason: 'not in dev' }, { nonce: replayNonce });
    expect(replayed.status).toBe(409);
    // A fresh, valid callback after the decision: the first decision stands.
    const late = await callback(requestId, endpointId, approve);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ approval_state: 'denied', decided_by: `approver:${endpointId}:approver` });
    await expectState('denied');
    expect(await runRow(run.runId)).toMatchObject({ status: 'running', waitReason: null });
    expect(await call(client, 'secret_sync', syncArgs)).toMatchObject({ status: 'denied', request_id: requestId, reason: 'not in dev' });
  });

  it('an approver cannot decide an owner-only request', async () => {
    const { endpointId, client } = await runningRun([]);
    const first = await call(client, 'secret_sync', syncArgs);
    expect(first.approval_mode).toBe('owner');
    const res = await callback(String(first.request_id), endpointId, { decision: 'approved' });
    expect(res.status).toBe(403);
    expect((await call(client, 'approval_status', { request_id: String(first.request_id) })).approval_state).toBe('requested');
  });

  it('a project row that denies secret_sync refuses the call and opens nothing; a run cannot read another run\'s request', async () => {
    const denied = await runningRun([{ tool: 'secret_sync', mode: 'deny' }]);
    expect((await call(denied.client, 'secret_sync', syncArgs)).error).toContain('permission_denied');
    const other = await runningRun([]);
    const requestId = String((await call(other.client, 'secret_sync', syncArgs)).request_id);
    expect((await call(denied.client, 'approval_status', { request_id: requestId })).error).toContain('not_found');
    expect(await withDb((d) => d.select().from(approvalRequests).where(eq(approvalRequests.runId, denied.run.runId)))).toEqual([]);
  });

  it('expires an undecided request at its deadline; the run goes on and a late callback is told so', async () => {
    const { run, endpointId, client } = await runningRun([{ tool: 'secret_sync', mode: 'delegated' }]);
    const requestId = String((await call(client, 'secret_sync', syncArgs)).request_id);
    const later = new Date(Date.now() + 2 * 86_400_000);
    const swept = await withDb((d) => sweepApprovals(d, { dataKey: env.STAGELINE_DATA_ENCRYPTION_KEY, now: later }));
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(await call(client, 'approval_status', { request_id: requestId })).toMatchObject({ approval_state: 'expired', decided_by: 'system:expiry' });
    expect(await runRow(run.runId)).toMatchObject({ status: 'running', waitReason: null });
    expect((await callback(requestId, endpointId, { decision: 'approved' })).status).toBe(409);
    // Asking again after an expiry opens a new request.
    const again = await call(client, 'secret_sync', syncArgs);
    expect(again.request_id).not.toBe(requestId);
    expect(again.status).toBe('approval_required');
  });
});

describe('pushes to HTTP approvers', () => {
  it('sends a signed push with a one-time callback and no secret; retries with backoff and gives up after the last attempt', async () => {
    const { seeded, run, endpointId, client } = await runningRun([{ tool: 'secret_sync', mode: 'delegated' }]);
    const requestId = String((await call(client, 'secret_sync', syncArgs)).request_id);
    const pushes = await withDb((d) => d.select().from(approvalPushes).where(eq(approvalPushes.requestId, requestId)));
    expect(pushes.map((p) => [p.endpointId, p.state])).toEqual([[endpointId, 'pending']]);
    const sent: { url: string; headers: Headers; body: string }[] = [];
    let answer = 503;
    // The approver's side of the network: records what arrives, answers `answer`.
    const approverFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
      return new Response(null, { status: answer });
    }) as typeof fetch;
    let clock = Date.now();
    const deps = (d: Db) => ({ db: d, now: () => new Date(clock), dataKey: env.STAGELINE_DATA_ENCRYPTION_KEY, callbackKey: env.STAGELINE_MCP_TOKEN_SIGNING_KEY, publicUrl: 'https://edge.example', fetch: approverFetch, log: createLogger({}, 'error') });
    expect(await withDb((d) => deliverPushes(deps(d), { ids: pushes.map((p) => p.id) }))).toEqual({ sent: 0, retry: 1, failed: 0 });
    // Not due again before its backoff.
    expect(await withDb((d) => deliverPushes(deps(d), { ids: pushes.map((p) => p.id) }))).toEqual({ sent: 0, retry: 0, failed: 0 });
    clock += 31_000;
    answer = 202;
    expect(await withDb((d) => deliverPushes(deps(d), { ids: pushes.map((p) => p.id) }))).toEqual({ sent: 1, retry: 0, failed: 0 });
    expect(sent).toHaveLength(2);
    const push = sent[1];
    const ts = Number(push?.headers.get('x-stageline-timestamp'));
    expect(push?.url).toBe('http://approver.invalid/hook');
    expect(push?.headers.get('x-stageline-signature-256')).toBe(await signPush(APPROVER_SECRET, ts, push?.body ?? ''));
    const body = JSON.parse(push?.body ?? '{}') as Record<string, unknown> & { callback: { url: string; token: string } };
    expect(body).toMatchObject({ schema_version: 'stageline-approval-v1', approval_request_id: requestId, run_id: run.runId, tool_name: 'secret_sync', approval_mode: 'delegated', justification: 'the app needs its database password' });
    expect(body.callback.url).toBe('https://edge.example/api/v1/approvals/callback');
    expect(push?.body).not.toContain(SECRET_VALUE);
    // The pushed token works for its callback.
    expect((await callback(requestId, endpointId, { decision: 'approved' }, { token: body.callback.token })).status).toBe(200);

    // An approver that never answers: the push fails after its last attempt, audited, and the other channels are untouched.
    const silent = await runningRun([{ tool: 'secret_sync', mode: 'delegated' }]);
    const silentId = String((await call(silent.client, 'secret_sync', syncArgs)).request_id);
    const [queued] = await withDb((d) => d.select().from(approvalPushes).where(eq(approvalPushes.requestId, silentId)));
    answer = 500;
    const outcomes = [];
    for (let i = 0; i < PUSH_MAX_ATTEMPTS; i += 1) {
      outcomes.push(await withDb((d) => deliverPushes(deps(d), { ids: [queued?.id ?? ''] })));
      clock += 16 * 60_000;
    }
    expect(outcomes.map((o) => (o.failed === 1 ? 'failed' : o.retry === 1 ? 'retry' : 'none'))).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
    expect((await withDb((d) => d.select().from(approvalPushes).where(eq(approvalPushes.id, queued?.id ?? ''))))[0]).toMatchObject({ state: 'failed', attempts: PUSH_MAX_ATTEMPTS, lastError: 'HTTP 500' });
    const audit = await withDb((d) => d.select().from(flowEvents).where(eq(flowEvents.correlationId, silent.run.correlationId)));
    expect(audit.filter((e) => e.eventType === 'approval.push.failed').map((e) => e.payload)).toEqual([expect.objectContaining({ request_id: silentId, endpoint_id: silent.endpointId, attempts: PUSH_MAX_ATTEMPTS, error: 'HTTP 500' })]);
    expect((await call(silent.client, 'approval_status', { request_id: silentId })).approval_state).toBe('requested');
    void seeded;
  });
});

describe('database_lifecycle', () => {
  it('describes from the registry, creates after approval (the cluster reports), and keeps another project off the name', async () => {
    const { a, run, endpointId, client } = await runningRun([{ tool: 'database_lifecycle', mode: 'delegated' }]);
    const name = `app_${run.runId.slice(0, 8)}`;
    expect(await call(client, 'database_lifecycle', { environment: 'dev', action: 'describe', database_name: name })).toMatchObject({ status: 'ok', exists: false });
    expect((await call(client, 'database_lifecycle', { environment: 'staging', action: 'create', database_name: name })).error).toContain('environment staging is not one of dev, production, prod');
    expect((await call(client, 'database_lifecycle', { environment: 'dev', action: 'create', database_name: 'x"; drop' })).error).toContain('invalid_argument');
    const asked = await call(client, 'database_lifecycle', { environment: 'dev', action: 'create', database_name: name, justification: 'tests need a database' });
    expect(asked).toMatchObject({ status: 'approval_required', approval_mode: 'delegated' });
    const requestId = String(asked.request_id);
    expect((await callback(requestId, endpointId, { decision: 'approved' })).status).toBe(200);
    expect(await a.next((m) => m.type === 'database.apply')).toEqual({ type: 'database.apply', requestId, runId: run.runId, action: 'create', environment: 'dev', database: name });
    a.send({ type: 'database.applied', id: 'db-1', requestId, runId: run.runId, ok: true, changed: true });
    expect(await a.next((m) => m.ref === 'db-1')).toMatchObject({ type: 'ack' });
    expect(await call(client, 'approval_status', { request_id: requestId })).toMatchObject({ approval_state: 'applied', result: { targets: [{ target: 'database', ok: true, changed: true }] } });
    expect(await call(client, 'database_lifecycle', { environment: 'dev', action: 'describe', database_name: name })).toMatchObject({ exists: true, owned_by_project: true });
    expect((await call(client, 'database_lifecycle', { environment: 'prod', action: 'create', database_name: name })).error).toContain('registered for environment dev');
    expect((await call(client, 'database_lifecycle', { environment: 'dev', action: 'delete', database_name: name })).error).toContain('confirm_delete');

    // Another project cannot describe, create or drop it.
    const other = await runningRun([{ tool: 'database_lifecycle', mode: 'delegated' }]);
    for (const action of ['describe', 'create'] as const) {
      expect((await call(other.client, 'database_lifecycle', { environment: 'dev', action, database_name: name })).error).toContain('permission_denied');
    }
    expect((await call(other.client, 'database_lifecycle', { environment: 'dev', action: 'delete', database_name: name, confirm_delete: true })).error).toContain('permission_denied');

    // A failed drop keeps the registration.
    const drop = await call(client, 'database_lifecycle', { environment: 'dev', action: 'delete', database_name: name, confirm_delete: true });
    expect((await callback(String(drop.request_id), endpointId, { decision: 'approved' })).status).toBe(200);
    await a.next((m) => m.type === 'database.apply' && m.action === 'delete');
    a.send({ type: 'database.applied', id: 'db-2', requestId: String(drop.request_id), runId: run.runId, ok: false, error: 'database "x" is being accessed by other users' });
    await a.next((m) => m.ref === 'db-2');
    expect(await call(client, 'approval_status', { request_id: String(drop.request_id) })).toMatchObject({ approval_state: 'failed', reason: 'database "x" is being accessed by other users' });
    expect(await call(client, 'database_lifecycle', { environment: 'dev', action: 'describe', database_name: name })).toMatchObject({ exists: true });
  });

  it('an agent of another cluster cannot settle a request', async () => {
    const first = await runningRun([{ tool: 'database_lifecycle', mode: 'delegated' }]);
    const second = await runningRun([]);
    const asked = await call(first.client, 'database_lifecycle', { environment: 'dev', action: 'create', database_name: `x_${first.run.runId.slice(0, 8)}` });
    expect((await callback(String(asked.request_id), first.endpointId, { decision: 'approved' })).status).toBe(200);
    second.a.send({ type: 'database.applied', id: 'db-x', requestId: String(asked.request_id), runId: first.run.runId, ok: true, changed: true });
    expect(await second.a.next((m) => m.ref === 'db-x')).toMatchObject({ type: 'reject', code: 'not_found' });
    expect((await call(first.client, 'approval_status', { request_id: String(asked.request_id) })).approval_state).toBe('approved');
  });
});
