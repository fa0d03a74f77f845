import { agentRuns, repositories, runLogChunks } from '@stageline/db';
import { eq, sql } from 'drizzle-orm';
import { SELF } from 'cloudflare:test';
import { encodeFrame, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@stageline/protocol';
import { describe, expect, it } from 'vitest';
import { BASE, connectAgent, db, hello, labeledPayload, postWebhook, seedCluster, hasIsolatedTransactions } from '../helpers.ts';
import { platformAdmin, staffFetch } from '../staff.ts';

async function createRun(repoId: number): Promise<string> {
  const res = await postWebhook(JSON.stringify(labeledPayload({ repoId })));
  expect(res.status).toBe(202);
  return (await res.json<{ runId: string }>()).runId;
}

async function runRow(runId: string) {
  const h = db();
  try {
    const [row] = await h.db.select().from(agentRuns).where(eq(agentRuns.id, runId));
    return row;
  } finally {
    await h.close();
  }
}

const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;

describe('agent authentication', () => {
  it.each([
    ['no token', {}, 401],
    ['a wrong token', { authorization: 'Bearer not-a-real-token-000000' }, 401],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 401],
  ])('refuses %s with %i and no socket', async (_name, headers, status) => {
    const res = await SELF.fetch(`${BASE}/agent/connect`, { headers: { upgrade: 'websocket', 'x-stageline-instance-id': 'c/a', ...headers } });
    expect(res.status).toBe(status);
    expect(res.webSocket).toBeNull();
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses a missing instance id with 400', async () => {
    const { token } = await seedCluster();
    const res = await SELF.fetch(`${BASE}/agent/connect`, { headers: { upgrade: 'websocket', authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
  });

  it('refuses the HTTP fallback without a valid token', async () => {
    const res = await SELF.fetch(`${BASE}/agent/v1/frames`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-000000000000', 'x-stageline-instance-id': 'c/a' },
      body: JSON.stringify({ frames: [] }),
    });
    expect(res.status).toBe(401);
  });
});

describe('agent socket', () => {
  it('welcomes a hello and announces pending runs', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const agent = await connectAgent(seeded.token, `${seeded.clusterId}/a`);
    agent.send(hello(`${seeded.clusterId}/a`));
    expect(await agent.next(isType('welcome'))).toMatchObject({ clusterId: seeded.clusterId, protocolVersion: PROTOCOL_VERSION, heldRuns: [] });
    expect(await agent.next(isType('run.available'))).toEqual({ type: 'run.available', runIds: [runId], queueDepth: 1 });
  });

  it('welcomes an agent holding more runs than one frame carries with a welcome that still fits', async () => {
    const seeded = await seedCluster({ slots: 1000 });
    const id = `${seeded.clusterId}/a`;
    const h = db();
    try {
      const [repo] = await h.db.select({ id: repositories.id }).from(repositories).where(eq(repositories.externalId, seeded.repoExternalId));
      const leaseUntil = new Date(Date.now() + 3_600_000);
      await h.db.insert(agentRuns).values(
        Array.from({ length: 600 }, (_, i) => ({
          correlationId: `held-${crypto.randomUUID()}`,
          projectId: seeded.projectId,
          repositoryId: repo?.id ?? '',
          clusterId: seeded.clusterId,
          repositoryFullName: 'octo-org/app',
          agentKey: 'dev',
          triggerKind: 'dev',
          triggerLabel: 'run:dev',
          issueNumber: i + 1,
          status: 'running' as const,
          // Held runs only: the welcome never reads their payload (the run contract is not needed).
          runPayload: sql`'{}'::jsonb`,
          leaseOwner: id,
          leaseEpoch: 1,
          leaseUntil,
        })),
      );
    } finally {
      await h.close();
    }
    const agent = await connectAgent(seeded.token, id);
    agent.send(hello(id));
    const welcome = await agent.next(isType('welcome'));
    const held = welcome.heldRuns as unknown[];
    // Not all 600 (they do not fit), but many, and the frame is one the agent accepts.
    expect(held.length).toBeGreaterThan(100);
    expect(held.length).toBeLessThan(600);
    expect(new TextEncoder().encode(encodeFrame(welcome as never)).length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });

  it('answers malformed and unknown frames with an error and keeps the connection', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const agent = await connectAgent(seeded.token, id);
    agent.ws.send('{not json');
    expect(await agent.next(isType('error'))).toMatchObject({ code: 'malformed_frame' });
    agent.send({ type: 'drop.tables', id: 'x1' });
    expect(await agent.next(isType('error'))).toMatchObject({ code: 'unknown_frame', ref: 'x1' });
    agent.send({ type: 'claim', id: 'x2', limit: 'all' });
    expect(await agent.next(isType('error'))).toMatchObject({ code: 'invalid_frame', ref: 'x2' });
    agent.send({ type: 'claim', id: 'x3', limit: 1 });
    expect(await agent.next(isType('error'))).toMatchObject({ code: 'hello_required', ref: 'x3' });
    agent.send(hello(id));
    expect(await agent.next(isType('welcome'))).toMatchObject({ type: 'welcome' });
    agent.send({ type: 'claim', id: 'x4', limit: 1 });
    expect(await agent.next(isType('claim.result'))).toEqual({ type: 'claim.result', ref: 'x4', runs: [], queueDepth: 0 });
  });

  it('closes on a protocol major mismatch', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const agent = await connectAgent(seeded.token, id);
    agent.send(hello(id, { protocolVersion: '2.0.0' }));
    expect(await agent.next(isType('error'))).toMatchObject({ code: 'version_mismatch' });
    expect((await agent.closed).code).toBe(4400);
  });

  it('pushes a new run, lets the agent claim it and finish it, fencing stale writers', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const agent = await connectAgent(seeded.token, id);
    agent.send(hello(id));
    await agent.next(isType('welcome'));
    const runId = await createRun(seeded.repoExternalId);
    expect(await agent.next(isType('run.available'))).toEqual({ type: 'run.available', runIds: [runId] });

    agent.send({ type: 'claim', id: 'c1', limit: 5 });
    const claim = await agent.next(isType('claim.result'));
    expect(claim).toMatchObject({ ref: 'c1', queueDepth: 0, runs: [{ runId, epoch: 1, attemptNo: 1, agentKey: 'dev', triggerKind: 'dev', issueNumber: 7, takeover: false, logSeq: 0, logLines: 0 }] });
    // The policy's launch decision travels with the claim (protocol 1.3).
    expect((claim.runs as { launch: unknown }[])[0]?.launch).toEqual({
      runtimeMode: 'full-env',
      targetEnv: 'ai',
      accessProfile: 'candidate',
      buildRef: 'main',
      namespace: null,
      model: 'gpt-5.4',
      reasoningEffort: 'high',
      writeScope: 'any',
      promptKind: 'work',
      discussion: false,
      pullRequestNumber: null,
    });
    // The agent measures queue-to-Job time from when the run row was created.
    expect((claim.runs as { queuedAt: string }[])[0]?.queuedAt).toBe((await runRow(runId))?.createdAt.toISOString());
    expect(await runRow(runId)).toMatchObject({ status: 'running', leaseOwner: id, leaseEpoch: 1 });

    agent.send({ type: 'run.status', id: 's1', runId, epoch: 1, status: 'running', jobName: 'stageline-run-x-1', namespace: 'stageline-issue-x' });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 's1', result: 'applied' });
    expect(await runRow(runId)).toMatchObject({ jobName: 'stageline-run-x-1', jobNamespace: 'stageline-issue-x' });
    // The Job starting keeps the claim's lease (it must still expire if the holder goes silent).
    expect((await runRow(runId))?.leaseUntil?.getTime()).toBeGreaterThan(Date.now());
    const versionAfterStart = (await runRow(runId))?.version;
    // The agent re-sends unacknowledged frames after a reconnect: the same report changes nothing.
    agent.send({ type: 'run.status', id: 's1', runId, epoch: 1, status: 'running', jobName: 'stageline-run-x-1', namespace: 'stageline-issue-x' });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 's1', result: 'noop' });
    expect((await runRow(runId))?.version).toBe(versionAfterStart);

    agent.send({ type: 'heartbeat', id: 'hb1', runs: [{ runId, epoch: 1 }] });
    // The answer also renews the run token with the lease (run-token.test.ts).
    expect(await agent.next(isType('heartbeat.result'))).toMatchObject({ type: 'heartbeat.result', ref: 'hb1', lost: [], tokens: [{ runId, epoch: 1 }] });
    expect((await runRow(runId))?.lastHeartbeatAt).not.toBeNull();

    agent.send({ type: 'run.status', id: 's2', runId, epoch: 0, status: 'succeeded' });
    expect(await agent.next(isType('reject'))).toMatchObject({ ref: 's2', code: 'stale_lease' });

    agent.send({ type: 'run.status', id: 's3', runId, epoch: 1, status: 'succeeded' });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 's3', result: 'applied' });
    agent.send({ type: 'run.status', id: 's3', runId, epoch: 1, status: 'succeeded' });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 's3', result: 'noop' });
    expect(await runRow(runId)).toMatchObject({ status: 'succeeded', leaseUntil: null });
    expect((await runRow(runId))?.finishedAt).not.toBeNull();
  });

  it.runIf(hasIsolatedTransactions)('gives each run to exactly one of two competing agents', async () => {
    const seeded = await seedCluster({ slots: 10 });
    const runs = await Promise.all(Array.from({ length: 6 }, () => createRun(seeded.repoExternalId)));
    const a = await connectAgent(seeded.token, `${seeded.clusterId}/a`);
    const b = await connectAgent(seeded.token, `${seeded.clusterId}/b`);
    a.send(hello(`${seeded.clusterId}/a`));
    b.send(hello(`${seeded.clusterId}/b`));
    await a.next(isType('welcome'));
    await b.next(isType('welcome'));
    a.send({ type: 'claim', id: 'ca', limit: 4 });
    b.send({ type: 'claim', id: 'cb', limit: 4 });
    const ra = (await a.next(isType('claim.result'))).runs as { runId: string }[];
    const rb = (await b.next(isType('claim.result'))).runs as { runId: string }[];
    const all = [...ra, ...rb].map((r) => r.runId).sort();
    expect(all).toEqual([...runs].sort());
  });

  it('stores log chunks once and only from the lease holder', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/a`;
    const runId = await createRun(seeded.repoExternalId);
    const agent = await connectAgent(seeded.token, id);
    agent.send(hello(id));
    await agent.next(isType('welcome'));
    agent.send({ type: 'claim', id: 'c1', limit: 1 });
    await agent.next(isType('claim.result'));
    agent.send({ type: 'log.append', id: 'l0', runId, epoch: 1, seq: 0, lines: ['one', 'two'] });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 'l0', result: 'applied' });
    agent.send({ type: 'log.append', id: 'l0', runId, epoch: 1, seq: 0, lines: ['one', 'two'] });
    expect(await agent.next(isType('ack'))).toEqual({ type: 'ack', ref: 'l0', result: 'noop' });
    agent.send({ type: 'log.append', id: 'l1', runId, epoch: 1, seq: 1, lines: ['three'] });
    await agent.next(isType('ack'));
    agent.send({ type: 'log.append', id: 'l2', runId, epoch: 7, seq: 2, lines: ['forged'] });
    expect(await agent.next(isType('reject'))).toMatchObject({ ref: 'l2', code: 'stale_lease' });
    const res = await staffFetch(await platformAdmin(), `/api/v1/staff/runs/${runId}/logs?tail_lines=10`);
    expect(await res.json()).toEqual({ run_id: runId, status: 'running', tail_lines: ['one', 'two', 'three'] });
    const h = db();
    try {
      expect(await h.db.select().from(runLogChunks).where(eq(runLogChunks.runId, runId))).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});

describe('HTTP fallback', () => {
  it('claims and reports through POST /agent/v1/frames with socket semantics', async () => {
    const seeded = await seedCluster();
    const id = `${seeded.clusterId}/poller`;
    const runId = await createRun(seeded.repoExternalId);
    const post = async (frames: unknown[]) => {
      const res = await SELF.fetch(`${BASE}/agent/v1/frames`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seeded.token}`, 'x-stageline-instance-id': id, 'content-type': 'application/json' },
        body: JSON.stringify({ frames }),
      });
      expect(res.status).toBe(200);
      return (await res.json<{ frames: Record<string, unknown>[] }>()).frames;
    };
    const first = await post([hello(id), { type: 'claim', id: 'c1', limit: 1 }]);
    expect(first.map((f) => f.type)).toEqual(['welcome', 'run.available', 'claim.result']);
    expect(first[2]).toMatchObject({ runs: [{ runId, epoch: 1 }] });
    const second = await post([hello(id), { type: 'run.status', id: 's1', runId, epoch: 1, status: 'failed', reason: 'BackoffLimitExceeded' }]);
    expect(second[1]).toEqual({ type: 'ack', ref: 's1', result: 'applied' });
    expect(await runRow(runId)).toMatchObject({ status: 'failed', statusReason: 'BackoffLimitExceeded' });
    const withoutHello = await post([{ type: 'claim', id: 'c2', limit: 1 }, 'garbage']);
    expect(withoutHello).toEqual([
      { type: 'error', ref: 'c2', code: 'hello_required', message: 'send hello first' },
      expect.objectContaining({ type: 'error', code: 'malformed_frame' }),
    ]);
  });

  it.each([
    ['not JSON', '{', 400],
    ['no frames array', '{"frame":[]}', 400],
  ])('refuses a body that is %s', async (_name, body, status) => {
    const seeded = await seedCluster();
    const res = await SELF.fetch(`${BASE}/agent/v1/frames`, {
      method: 'POST',
      headers: { authorization: `Bearer ${seeded.token}`, 'x-stageline-instance-id': `${seeded.clusterId}/a` },
      body,
    });
    expect(res.status).toBe(status);
  });
});
