// Agent frames answer only for the caller's own runs (docs/domain.md §3.5):
// status and cancel reports need the lease holder and its epoch, heartbeats
// and run queries never tell one instance about another's runs, and a claim
// whose answer was lost is handed to the same instance on its next heartbeat.

import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, createRun, hello, readyAgent as agent, runRow, seedCluster, type TestSocket } from '../helpers.ts';
import { platformAdmin, staffFetch } from '../staff.ts';

const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;
const refTo = (ref: string) => (m: Record<string, unknown>) => m.ref === ref;

/** A run of a fresh cluster held by `a` with a started Job, and a second live instance `b`. */
async function heldByA(): Promise<{ runId: string; a: TestSocket; b: TestSocket; seeded: Awaited<ReturnType<typeof seedCluster>> }> {
  const seeded = await seedCluster();
  const runId = await createRun(seeded.repoExternalId);
  const a = await agent(seeded.token, `${seeded.clusterId}/a`);
  a.send({ type: 'claim', id: 'ca', limit: 5 });
  expect(await a.next(refTo('ca'))).toMatchObject({ type: 'claim.result', runs: [{ runId, epoch: 1 }] });
  a.send({ type: 'run.status', id: 'start', runId, epoch: 1, status: 'running', jobName: 'stageline-run-secret-1', namespace: 'stageline-issue-secret' });
  expect(await a.next(refTo('start'))).toMatchObject({ type: 'ack', result: 'applied' });
  const b = await agent(seeded.token, `${seeded.clusterId}/b`);
  return { runId, a, b, seeded };
}

describe('run.status canceled', () => {
  it.each([0, 1])('from an instance that does not hold the run (epoch %i) is a stale lease and changes nothing', async (epoch) => {
    const { runId, b } = await heldByA();
    const before = await runRow(runId);
    b.send({ type: 'run.status', id: 'x', runId, epoch, status: 'canceled' });
    expect(await b.next(refTo('x'))).toMatchObject({ type: 'reject', code: 'stale_lease' });
    expect(await runRow(runId)).toEqual(before);
  });

  it('on a pending run nobody holds is a stale lease', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    b.send({ type: 'run.status', id: 'x', runId, epoch: 0, status: 'canceled' });
    expect(await b.next(refTo('x'))).toMatchObject({ type: 'reject', code: 'stale_lease' });
    expect(await runRow(runId)).toMatchObject({ status: 'pending' });
  });

  it('confirming a cancel the edge made changes nothing, from any instance, at the run\'s epoch only', async () => {
    const { runId, a, b } = await heldByA();
    const res = await staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    await a.next(isType('run.cancel'));
    const before = await runRow(runId);
    a.send({ type: 'run.status', id: 'ok', runId, epoch: 1, status: 'canceled' });
    expect(await a.next(refTo('ok'))).toEqual({ type: 'ack', ref: 'ok', result: 'noop' });
    b.send({ type: 'run.status', id: 'also', runId, epoch: 1, status: 'canceled' });
    expect(await b.next(refTo('also'))).toEqual({ type: 'ack', ref: 'also', result: 'noop' });
    b.send({ type: 'run.status', id: 'zero', runId, epoch: 0, status: 'canceled' });
    expect(await b.next(refTo('zero'))).toMatchObject({ type: 'reject', code: 'stale_lease' });
    expect(await runRow(runId)).toEqual(before);
  });
});

describe('heartbeat', () => {
  it("naming another instance's runs renews nothing and tells nothing about them", async () => {
    const { runId, b } = await heldByA();
    const before = await runRow(runId);
    b.send({ type: 'heartbeat', id: 'hb-live', runs: [{ runId, epoch: 1 }] });
    expect(await b.next(refTo('hb-live'))).toEqual({ type: 'heartbeat.result', ref: 'hb-live', lost: [runId] });
    expect((await runRow(runId))?.leaseUntil).toEqual(before?.leaseUntil);

    // Once canceled, only the holder is told again (with the Job's names); b hears the broadcast once.
    expect((await staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/cancel`, { method: 'POST' })).status).toBe(200);
    expect(await b.next(isType('run.cancel'))).toMatchObject({ runId });
    b.send({ type: 'heartbeat', id: 'hb-canceled', runs: [{ runId, epoch: 1 }] });
    expect(await b.next(refTo('hb-canceled'))).toEqual({ type: 'heartbeat.result', ref: 'hb-canceled', lost: [runId] });
    // Everything answering a heartbeat is sent before its result: nothing else is queued.
    await expect(b.next(isType('run.cancel'), 0)).rejects.toThrow('no matching message');
  });
});

describe('runs.query', () => {
  it("answers only activity for another instance's run, the status for the caller's own", async () => {
    const { runId, a, b, seeded } = await heldByA();
    const pending = await createRun(seeded.repoExternalId);
    b.send({ type: 'runs.query', id: 'qb', runIds: [runId, pending] });
    expect(await b.next(refTo('qb'))).toEqual({
      type: 'runs.state',
      ref: 'qb',
      runs: [
        { runId, status: 'unknown', active: true },
        { runId: pending, status: 'pending', active: true },
      ],
    });
    a.send({ type: 'runs.query', id: 'qa', runIds: [runId] });
    expect(await a.next(refTo('qa'))).toEqual({ type: 'runs.state', ref: 'qa', runs: [{ runId, status: 'running', active: true }] });
  });
});

describe('a claim whose answer was lost', () => {
  it('is handed to the same instance on its next heartbeat, and to no other', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, id);
    // The claim commits, but its answer never reaches the agent (here: an HTTP batch whose reply is dropped).
    const lostReply = await SELF.fetch(`${BASE}/agent/v1/frames`, {
      method: 'POST',
      headers: { authorization: `Bearer ${seeded.token}`, 'x-stageline-instance-id': id, 'content-type': 'application/json' },
      body: JSON.stringify({ frames: [hello(id), { type: 'claim', id: 'lost', limit: 5 }] }),
    });
    expect(lostReply.status).toBe(200);
    await lostReply.body?.cancel();
    expect(await runRow(runId)).toMatchObject({ status: 'running', leaseOwner: id, leaseEpoch: 1, jobName: null });

    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    b.send({ type: 'heartbeat', id: 'hb-b', runs: [] });
    expect(await b.next(refTo('hb-b'))).toEqual({ type: 'heartbeat.result', ref: 'hb-b', lost: [] });
    await expect(b.next(isType('claim.result'), 0)).rejects.toThrow('no matching message');

    a.send({ type: 'heartbeat', id: 'hb-a', runs: [] });
    expect(await a.next((m) => m.type === 'claim.result' && m.ref === 'hb-a')).toMatchObject({ runs: [{ runId, epoch: 1, takeover: false, runToken: expect.any(String) }] });
    // Once the agent names it, it is renewed, not handed over again.
    a.send({ type: 'heartbeat', id: 'hb-a2', runs: [{ runId, epoch: 1 }] });
    expect(await a.next((m) => m.type === 'heartbeat.result' && m.ref === 'hb-a2')).toMatchObject({ lost: [] });
    // Everything answering a heartbeat is sent before its result: no second hand-over is queued.
    await expect(a.next(isType('claim.result'), 0)).rejects.toThrow('no matching message');
  });
});
