// Edge side of the cluster runtime: lease takeover with fencing, resuming held
// runs, fair claiming within project slots, run-state queries, cancel, run
// tokens and log paging.

import { env } from 'cloudflare:test';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { claimRuns, connectAgent, createRun, expireInstance, hasIsolatedTransactions, hello, labeledPayload, postWebhook, readyAgent as agent, runRow, seedCluster, seedProject, type TestSocket } from '../helpers.ts';
import { platformAdmin, staffFetch } from '../staff.ts';

const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;
type Claimed = { runId: string; epoch: number; takeover: boolean; logSeq: number; logLines: number; runToken: string; projectId: string };

const claim = (socket: TestSocket, limit = 10): Promise<Claimed[]> => claimRuns<Claimed>(socket, limit);

describe('lease takeover', () => {
  it('gives a run of a silent agent to another agent, which adopts it; the old holder is fenced off', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    expect((await claim(a)).map((r) => r.runId)).toEqual([runId]);
    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    expect(await claim(b)).toEqual([]);

    await expireInstance(`${seeded.clusterId}/a`);
    const [taken] = await claim(b);
    expect(taken).toMatchObject({ runId, epoch: 2, takeover: true });
    expect(await runRow(runId)).toMatchObject({ status: 'running', leaseOwner: `${seeded.clusterId}/b`, leaseEpoch: 2 });

    a.send({ type: 'run.status', id: 'late', runId, epoch: 1, status: 'succeeded' });
    expect(await a.next(isType('reject'))).toMatchObject({ ref: 'late', code: 'stale_lease' });
    a.send({ type: 'log.append', id: 'late-log', runId, epoch: 1, seq: 0, lines: ['x'] });
    expect(await a.next(isType('reject'))).toMatchObject({ ref: 'late-log', code: 'stale_lease' });
    a.send({ type: 'heartbeat', id: 'hb', runs: [{ runId, epoch: 1 }] });
    expect(await a.next(isType('heartbeat.result'))).toEqual({ type: 'heartbeat.result', ref: 'hb', lost: [runId] });

    b.send({ type: 'run.status', id: 'done', runId, epoch: 2, status: 'succeeded' });
    expect(await b.next(isType('ack'))).toMatchObject({ ref: 'done', result: 'applied' });
  });

  it('does not take over a live holder', async () => {
    const seeded = await seedCluster();
    await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    await claim(a);
    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    expect(await claim(b)).toEqual([]);
  });
});

describe('resuming held runs', () => {
  it('hands a reconnecting agent its runs with the log position of the epoch', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const runId = await createRun(seeded.repoExternalId);
    const first = await agent(seeded.token, id);
    await claim(first);
    first.send({ type: 'log.append', id: 'l0', runId, epoch: 1, seq: 0, lines: ['a', 'b'] });
    await first.next(isType('ack'));
    first.send({ type: 'log.append', id: 'l1', runId, epoch: 1, seq: 1, lines: ['c'] });
    await first.next(isType('ack'));
    first.ws.close(1000, 'reconnect');
    const again = await connectAgent(seeded.token, id);
    again.send(hello(id));
    const welcome = await again.next(isType('welcome'));
    expect(welcome.heldRuns).toEqual([expect.objectContaining({ runId, epoch: 1, takeover: false, logSeq: 2, logLines: 3 })]);
  });
});

describe('fair claiming within project slots', () => {
  it.runIf(hasIsolatedTransactions)('serves every project before any second run, and never exceeds a project slot count', async () => {
    const seeded = await seedCluster({ slots: 2 });
    const other = await seedProject(seeded.clusterId, 2);
    const busy = [];
    for (let i = 0; i < 4; i += 1) {
      busy.push(await createRun(seeded.repoExternalId));
    }
    const quiet = await createRun(other.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    const first = await claim(a, 2);
    // One run of each project before the busy project's second run.
    expect(new Set(first.map((r) => r.projectId))).toEqual(new Set([seeded.projectId, other.projectId]));
    expect(first.map((r) => r.runId)).toEqual(expect.arrayContaining([busy[0], quiet]));
    const second = await claim(a, 10);
    expect(second.map((r) => r.runId)).toEqual([busy[1]]);
    expect(await claim(a, 10)).toEqual([]);
    // A finished run frees its slot.
    a.send({ type: 'run.status', id: 'fin', runId: busy[0], epoch: 1, status: 'succeeded' });
    await a.next(isType('ack'));
    expect((await claim(a, 10)).map((r) => r.runId)).toEqual([busy[2]]);
  });
});

describe('runs.query', () => {
  it('reports status and activity of each run, unknown ids included', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    const stranger = '00000000-0000-4000-8000-000000000001';
    a.send({ type: 'runs.query', id: 'q', runIds: [runId, stranger] });
    expect(await a.next(isType('runs.state'))).toEqual({
      type: 'runs.state',
      ref: 'q',
      runs: [
        { runId, status: 'pending', active: true },
        { runId: stranger, status: 'unknown', active: false },
      ],
    });
  });
});

describe('run tokens', () => {
  it('mints a verifiable run-scoped token per claim', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    const [run] = await claim(a);
    // Short-lived and bound to the epoch: run-token.test.ts covers how it is checked.
    const { payload } = await jwtVerify(run?.runToken ?? '', new TextEncoder().encode(env.STAGELINE_MCP_TOKEN_SIGNING_KEY), { issuer: 'stageline/edge', audience: 'stageline/run' });
    expect(payload).toMatchObject({ sub: `run:${runId}`, run_id: runId, epoch: 1, attempt: 1 });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
  });
});

describe('POST /api/v1/staff/runs/:id/cancel', () => {
  const cancel = async (runId: string, body?: string) => staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST', body });

  it('cancels a running run and asks the agents to delete its Job', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    await claim(a);
    a.send({ type: 'run.status', id: 's', runId, epoch: 1, status: 'running', jobName: 'stageline-run-j-1', namespace: 'stageline-issue-n' });
    await a.next(isType('ack'));
    const res = await cancel(runId, JSON.stringify({ reason: 'not needed' }));
    expect(await res.json()).toEqual({ run_id: runId, action: 'cancel', previous_status: 'running', current_status: 'canceled', already_terminal: false, job_stop_requested: true });
    expect(await a.next(isType('run.cancel'))).toEqual({ type: 'run.cancel', runId, epoch: 1, jobName: 'stageline-run-j-1', namespace: 'stageline-issue-n', reason: 'not needed' });
    a.send({ type: 'run.status', id: 'gone', runId, epoch: 1, status: 'canceled' });
    expect(await a.next(isType('ack'))).toMatchObject({ ref: 'gone', result: 'noop' });
    expect(await runRow(runId)).toMatchObject({ status: 'canceled', statusReason: 'not needed', leaseOwner: null });
    const again = await cancel(runId);
    expect(await again.json()).toMatchObject({ previous_status: 'canceled', current_status: 'canceled', already_terminal: false, job_stop_requested: false });
  });

  it('tells a holder that missed the cancel again, on its next heartbeat', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    await claim(a);
    a.send({ type: 'run.status', id: 's', runId, epoch: 1, status: 'running', jobName: 'stageline-run-j-1', namespace: 'stageline-issue-n' });
    await a.next(isType('ack'));
    a.ws.close(1000, 'network blip');
    expect((await cancel(runId)).status).toBe(200);
    const back = await agent(seeded.token, `${seeded.clusterId}/a`);
    back.send({ type: 'heartbeat', id: 'hb', runs: [{ runId, epoch: 1 }] });
    expect(await back.next(isType('run.cancel'))).toEqual({ type: 'run.cancel', runId, epoch: 1, jobName: 'stageline-run-j-1', namespace: 'stageline-issue-n', reason: 'canceled by staff' });
    expect(await back.next(isType('heartbeat.result'))).toEqual({ type: 'heartbeat.result', ref: 'hb', lost: [runId] });
  });

  it('reports a finished run as already terminal and changes nothing', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    await claim(a);
    a.send({ type: 'run.status', id: 'f', runId, epoch: 1, status: 'failed', reason: 'x' });
    await a.next(isType('ack'));
    expect(await (await cancel(runId)).json()).toMatchObject({ previous_status: 'failed', current_status: 'failed', already_terminal: true, job_stop_requested: false });
  });

  it.each([
    ['not-a-uuid', undefined, 400],
    ['00000000-0000-4000-8000-000000000009', undefined, 404],
    ['00000000-0000-4000-8000-000000000009', '{nope', 400],
    ['00000000-0000-4000-8000-000000000009', JSON.stringify({ reason: 7 }), 400],
    ['00000000-0000-4000-8000-000000000009', JSON.stringify({ reason: 'x'.repeat(501) }), 400],
    ['00000000-0000-4000-8000-000000000009', 'x'.repeat(5000), 413],
  ])('refuses %s with body %j -> %i', async (runId, body, status) => {
    const res = await cancel(runId, body);
    expect(res.status).toBe(status);
    expect(await res.json()).toHaveProperty('error.code');
  });
});

describe('log history', () => {
  it('pages through the stored log oldest first', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    await claim(a);
    for (let seq = 0; seq < 5; seq += 1) {
      a.send({ type: 'log.append', id: `l${seq}`, runId, epoch: 1, seq, lines: [`line ${seq}a`, `line ${seq}b`] });
      await a.next(isType('ack'));
    }
    const page = async (query: string) => (await staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/logs/history?${query}`)).json<{ lines: string[]; next_after_seq: number | null; done: boolean }>();
    const p1 = await page('limit_chunks=2');
    expect(p1).toEqual({ run_id: runId, lines: ['line 0a', 'line 0b', 'line 1a', 'line 1b'], next_after_seq: 1, done: false });
    const p2 = await page(`after_seq=${p1.next_after_seq}&limit_chunks=10`);
    expect(p2).toMatchObject({ lines: ['line 2a', 'line 2b', 'line 3a', 'line 3b', 'line 4a', 'line 4b'], next_after_seq: 4, done: true });
    expect((await staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/logs/history?limit_chunks=0`)).status).toBe(400);
  });
});

describe('issues.closed', () => {
  it('cancels the issue\'s active runs, tells the holder, and asks the cluster to clean up', async () => {
    const seeded = await seedCluster({ slots: 5 });
    const held = await createRun(seeded.repoExternalId);
    const waiting = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    const claimed = await claim(a, 1);
    expect(claimed.map((r) => r.runId)).toEqual([held]);
    const body = JSON.stringify({ ...labeledPayload({ repoId: seeded.repoExternalId }), action: 'closed' });
    const delivery = crypto.randomUUID();
    const res = await postWebhook(body, { delivery });
    expect(res.status).toBe(200);
    const answer = await res.json<{ status: string; action: string; canceled: string[] }>();
    expect(answer).toMatchObject({ status: 'accepted', action: 'issue_closed' });
    expect(new Set(answer.canceled)).toEqual(new Set([held, waiting]));
    expect(await a.next(isType('run.cancel'))).toMatchObject({ runId: held, epoch: 1, reason: 'issue_closed' });
    expect(await a.next(isType('issue.cleanup'))).toEqual({ type: 'issue.cleanup', projectId: seeded.projectId, issueNumber: 7, reason: 'issue_closed' });
    expect(await runRow(held)).toMatchObject({ status: 'canceled', statusReason: 'issue_closed' });
    expect(await runRow(waiting)).toMatchObject({ status: 'canceled' });
    // A redelivery of the close is a duplicate and cancels nothing more.
    expect(await (await postWebhook(body, { delivery })).json()).toEqual({ status: 'duplicate' });
  });
});
