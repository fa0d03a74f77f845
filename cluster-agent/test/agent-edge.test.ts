/**
 * Real edge session + real dispatcher against the fake edge and the in-memory
 * cluster (agent integration).
 */
import { PROTOCOL_VERSION } from '@stageline/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { moreFrames, morePings } from './support/later.ts';
import { INSTANCE_ID, startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = { timeout: 10_000, interval: 20 };

let edge: FakeEdge | undefined;
let agent: StartedAgent | undefined;

afterEach(async () => {
  await agent?.stop();
  await edge?.close();
  agent = undefined;
  edge = undefined;
});

async function setup(options: Parameters<typeof startFakeEdge>[0] = {}, env = {}) {
  edge = await startFakeEdge(options);
  const kube = new FakeKubeGateway();
  agent = startAgent(edge, { gateway: kube }, env);
  return { edge, kube, agent };
}

async function jobOf(kube: FakeKubeGateway, index = 0): Promise<string> {
  return vi.waitFor(() => {
    const name = kube.jobNames()[index];
    expect(name).toBeDefined();
    return name ?? '';
  }, WAIT);
}

function statusesOf(edge: FakeEdge, runId: string) {
  return edge.applied.filter((s) => s.runId === runId).map((s) => s.status);
}

function seqsOf(edge: FakeEdge, runId: string): number[] {
  return (edge.chunks.get(runId) ?? []).map((c) => c.seq);
}

describe('agent against the fake edge', () => {
  it('claims an announced run, runs it and reports running then succeeded with its logs', async () => {
    const { edge, kube } = await setup();
    await vi.waitFor(() => expect(edge.openSockets()).toBe(1), WAIT);
    await vi.waitFor(() => expect(edge.received.some((r) => r.frame.type === 'claim')).toBe(true), WAIT);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running']), WAIT);
    kube.writeLog(jobName, ['hello', 'world']);
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);

    const namespace = 'stageline-issue-proj1-i7-r' + runId.replace(/-/g, '').slice(0, 12);
    expect(edge.applied.map(({ status, jobName: j, namespace: n, epoch }) => ({ status, j, n, epoch }))).toEqual([
      { status: 'running', j: jobName, n: namespace, epoch: 1 },
      { status: 'succeeded', j: jobName, n: namespace, epoch: 1 },
    ]);
    expect(edge.runs.get(runId)).toMatchObject({ status: 'succeeded', leaseOwner: INSTANCE_ID, jobName, namespace });
    expect(edge.logLines(runId)).toEqual(['hello', 'world']);
    expect(kube.namespaces.get(namespace)?.metadata?.labels?.['stageline.dev/run-id']).toBe(runId);
    // The final chunk was sent before the terminal status.
    const order = edge.received.filter((r) => 'runId' in r.frame && r.frame.runId === runId).map((r) => r.frame.type);
    expect(order.lastIndexOf('log.append')).toBeLessThan(order.lastIndexOf('run.status'));
  });

  it('claims runs that were pending before it connected and keeps leases alive with heartbeats', async () => {
    edge = await startFakeEdge();
    const first = edge.addRun();
    const second = edge.addRun();
    const kube = new FakeKubeGateway();
    agent = startAgent(edge, { gateway: kube });
    await jobOf(kube, 1);
    const e = edge;
    await vi.waitFor(() => {
      const beats = e.received.flatMap((r) => (r.frame.type === 'heartbeat' ? [r.frame.runs.map((x) => x.runId).sort()] : []));
      expect(beats).toContainEqual([first, second].sort());
    }, WAIT);
    for (const name of kube.jobNames()) {
      kube.finishJob(name, { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    }
    await vi.waitFor(() => expect(edge?.applied.filter((s) => s.status === 'failed')).toHaveLength(2), WAIT);
    expect(edge.runs.get(first)?.reason).toBe('BackoffLimitExceeded: Job has reached the specified backoff limit');
  });

  it('reports DeadlineExceeded as timed_out', async () => {
    const { edge, kube } = await setup();
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    kube.finishJob(jobName, { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'timed_out']), WAIT);
  });

  it('ships many log lines in order, chunked with consecutive seqs', async () => {
    const { edge, kube } = await setup();
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const lines = Array.from({ length: 430 }, (_, i) => `line ${i}`);
    // Three writes, each once the previous one reached the edge: chunks of a full and a partial batch, a single line, then the rest.
    kube.writeLog(jobName, lines.slice(0, 150));
    await vi.waitFor(() => expect(edge.logLines(runId)).toHaveLength(150), WAIT);
    kube.writeLog(jobName, lines.slice(150, 151));
    await vi.waitFor(() => expect(edge.logLines(runId)).toHaveLength(151), WAIT);
    kube.writeLog(jobName, lines.slice(151));
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(edge.logLines(runId)).toEqual(lines);
    const seqs = seqsOf(edge, runId);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(Math.max(...(edge.chunks.get(runId) ?? []).map((c) => c.lines.length))).toBeLessThanOrEqual(100);
  });

  it('reconnects after the edge drops the socket and re-sends unacked frames exactly once in effect', async () => {
    // A long reconcile interval keeps the HTTP fallback out of this test: the socket does the re-sending.
    const { edge, kube, agent } = await setup({}, { STAGELINE_RECONCILE_INTERVAL: '30s' });
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running']), WAIT);

    // The edge applies these frames but its acks are lost with the socket.
    edge.withholdAcks = true;
    kube.writeLog(jobName, ['a1', 'a2']);
    await vi.waitFor(() => expect(seqsOf(edge, runId)).toEqual([0]), WAIT);
    kube.writeLog(jobName, ['b1']);
    await vi.waitFor(() => expect(seqsOf(edge, runId)).toEqual([0, 1]), WAIT);
    edge.withholdAcks = false;
    edge.dropSockets();
    kube.writeLog(jobName, ['c1', 'c2']);
    kube.finishJob(jobName, { type: 'Complete' });

    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(edge.stats.upgrades).toBe(2);
    expect(edge.received.every((r) => r.via === 'socket')).toBe(true);
    expect(agent.logged('reconnecting to edge').length).toBeGreaterThan(0);
    expect(edge.logLines(runId)).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
    const seqs = seqsOf(edge, runId).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    // The unacked chunks really were sent twice (same ids), and applied once.
    const logIds = edge.received.flatMap((r) => (r.frame.type === 'log.append' ? [r.frame.id] : []));
    expect(logIds.length).toBeGreaterThan(new Set(logIds).size);
    expect(edge.applied.filter((s) => s.status === 'running')).toHaveLength(1);
  });

  it('with STAGELINE_EDGE_TRANSPORT=poll never opens a socket and still claims and reports', async () => {
    const { edge, kube } = await setup({}, { STAGELINE_EDGE_TRANSPORT: 'poll' });
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    kube.writeLog(jobName, ['polled']);
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(edge.logLines(runId)).toEqual(['polled']);
    expect(edge.stats.upgrades + edge.stats.refusedUpgrades).toBe(0);
    expect(edge.stats.polls).toBeGreaterThan(1);
  });

  it('falls back to HTTP polling when the upgrade is refused with 401, and still claims and reports', async () => {
    const { edge, kube, agent } = await setup({ refuseSockets: true });
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    kube.writeLog(jobName, ['over http']);
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(edge.logLines(runId)).toEqual(['over http']);
    expect(edge.stats.upgrades).toBe(0);
    expect(edge.stats.refusedUpgrades).toBeGreaterThan(0);
    expect(edge.received.every((r) => r.via === 'http')).toBe(true);
    expect(agent.lines.some((l) => l.msg === 'edge refused the agent socket: check STAGELINE_CLUSTER_TOKEN' && l.status === 401)).toBe(true);
    // Once the socket is allowed again the agent moves back to it.
    edge.refuseSockets = false;
    await vi.waitFor(() => expect(edge.openSockets()).toBe(1), WAIT);
  });

  it('keeps retrying without crashing when the token is wrong everywhere', async () => {
    const { edge, kube, agent } = await setup({}, { STAGELINE_CLUSTER_TOKEN: 'wrong' });
    edge.addRun();
    await vi.waitFor(() => expect(edge.stats.unauthorizedPolls).toBeGreaterThan(1), WAIT);
    expect(edge.stats.refusedUpgrades).toBeGreaterThan(0);
    expect(agent.logged('edge refused the fallback poll: check STAGELINE_CLUSTER_TOKEN').length).toBeGreaterThan(0);
    expect(kube.mutations).toEqual([]);
    expect(JSON.stringify(agent.lines)).not.toContain('wrong');
  });

  it('stops working on a run whose lease was taken (stale_lease) and leaves its job alone', async () => {
    // A slow heartbeat keeps heartbeat.result out of this test: the reject does the telling.
    const { edge, kube, agent } = await setup({ heartbeatIntervalMs: 60_000 });
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running']), WAIT);
    edge.reclaim(runId);
    kube.writeLog(jobName, ['after reclaim']);
    await vi.waitFor(() => expect(edge.rejects.map((r) => r.code)).toContain('stale_lease'), WAIT);
    await vi.waitFor(() => expect(agent.logged('lost the run lease; leaving its job to the new holder')).toHaveLength(1), WAIT);
    kube.finishJob(jobName, { type: 'Complete' });
    // Three more claims (one per reconcile tick): a status the finished Job caused would have been sent before them.
    await moreFrames(edge, 'claim', 3);
    const statuses = edge.received.flatMap((r) => (r.frame.type === 'run.status' && r.frame.runId === runId ? [r.frame.status] : []));
    expect(statuses).toEqual(['running']);
    expect(kube.getJob(jobName)).toBeDefined();
    expect(kube.mutations.filter((m) => m.op === 'deleteJob')).toEqual([]);
  });

  it('logs a malformed frame from the edge and keeps working', async () => {
    const { edge, kube, agent } = await setup();
    await vi.waitFor(() => expect(edge.openSockets()).toBe(1), WAIT);
    edge.sendRaw('{nope');
    edge.sendRaw('{"type":"claim.result","ref":"x"}');
    edge.sendRaw('{"type":"self-destruct"}');
    await vi.waitFor(() => expect(agent.logged('dropped an invalid frame from the edge')).toHaveLength(3), WAIT);
    expect(agent.logged('dropped an invalid frame from the edge').map((l) => l.code)).toEqual(['malformed_frame', 'invalid_frame', 'unknown_frame']);
    const runId = edge.addRun();
    kube.finishJob(await jobOf(kube), { type: 'Complete' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(edge.stats.upgrades).toBe(1);
  });

  it('refuses to dispatch when the edge speaks another major version', async () => {
    const { edge, kube, agent } = await setup({ protocolVersion: '2.0.0' });
    const runId = edge.addRun();
    await vi.waitFor(() => expect(agent.logged('edge speaks an incompatible protocol or policy version; not dispatching').length).toBeGreaterThan(0), WAIT);
    // Two more pings (a second apart): every reconcile tick due before them has run, and any frame it sent has arrived.
    await morePings(edge, 2);
    expect(kube.mutations).toEqual([]);
    expect(edge.runs.get(runId)?.status).toBe('pending');
    expect(edge.received.map((r) => r.frame.type).filter((t) => t !== 'hello')).toEqual([]);
  });

  it('refuses a policy major mismatch the same way', async () => {
    const { edge, kube, agent } = await setup({ policyVersion: '9.1.0' });
    edge.addRun();
    await vi.waitFor(() => expect(agent.logged('edge speaks an incompatible protocol or policy version; not dispatching').length).toBeGreaterThan(0), WAIT);
    await morePings(edge, 2);
    expect(kube.mutations).toEqual([]);
  });

  it.each([
    ['ensureNamespace', 'namespace_prepare_failed: create namespace x: HTTP 500'],
    ['ensureJob', 'job_create_failed: create namespace x: HTTP 500'],
  ] as const)('reports a kube error in %s as a failed run with the reason', async (op, reason) => {
    const { edge, kube } = await setup();
    kube.failNext(op, new Error('create namespace x: HTTP 500'));
    const runId = edge.addRun();
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['failed']), WAIT);
    expect(edge.runs.get(runId)?.reason).toBe(reason);
  });

  it('fails a run whose job name is taken by another run', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const runId = edge.addRun({ runId: '3f2a9b1c-0000-4000-8000-000000000001' });
    kube.seedJob({
      metadata: {
        name: 'stageline-run-3f2a9b1c000040008000-1',
        namespace: 'stageline-issue-proj1-i7-r3f2a9b1c0000',
        labels: { 'stageline.dev/run-id': '3f2a9b1c-0000-4000-8000-000000000099' },
      },
    });
    agent = startAgent(edge, { gateway: kube });
    const e = edge;
    await vi.waitFor(() => expect(statusesOf(e, runId)).toEqual(['failed']), WAIT);
    expect(edge.runs.get(runId)?.reason).toBe(
      'job_create_failed: job stageline-run-3f2a9b1c000040008000-1 exists for run 3f2a9b1c-0000-4000-8000-000000000099',
    );
  });

  it('fails a run whose namespace is terminating', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const runId = edge.addRun({ runId: '3f2a9b1c-0000-4000-8000-000000000002' });
    const name = 'stageline-issue-proj1-i7-r3f2a9b1c0000';
    kube.seedNamespace({ metadata: { name, labels: { 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'stageline' } } });
    kube.markTerminating(name);
    agent = startAgent(edge, { gateway: kube });
    const e = edge;
    await vi.waitFor(() => expect(statusesOf(e, runId)).toEqual(['failed']), WAIT);
    expect(edge.runs.get(runId)?.reason).toBe(`namespace_terminating: namespace ${name} is terminating`);
    expect(kube.mutations).toEqual([]);
  });

  it('refuses a namespace of the same name that this installation does not manage, and leaves it untouched', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const runId = edge.addRun({ runId: '3f2a9b1c-0000-4000-8000-000000000003' });
    const name = 'stageline-issue-proj1-i7-r3f2a9b1c0000';
    // Ours in name only: another installation's, and a hand-made one.
    kube.seedNamespace({ metadata: { name, labels: { 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'green' } } });
    const before = structuredClone(kube.namespaces.get(name));
    agent = startAgent(edge, { gateway: kube });
    const e = edge;
    await vi.waitFor(() => expect(statusesOf(e, runId)).toEqual(['failed']), WAIT);
    expect(edge.runs.get(runId)?.reason).toBe(`namespace_not_managed: namespace ${name} exists and is not managed by installation stageline`);
    expect(kube.namespaces.get(name)).toEqual(before);
    expect(kube.mutations).toEqual([]);
  });

  it('refuses a claimed run whose fields are not valid label values (policy re-check)', async () => {
    const { edge, kube } = await setup();
    const runId = edge.addRun({ projectId: 'acme/app' });
    await vi.waitFor(() => expect(statusesOf(edge, runId)).toEqual(['failed']), WAIT);
    expect(edge.runs.get(runId)?.reason).toBe('policy_rejected: projectId "acme/app" is not a valid label value');
    expect(kube.mutations).toEqual([]);
  });

  it('reports the jobs it sees in hello', async () => {
    edge = await startFakeEdge();
    const runId = edge.addRun();
    const kube = new FakeKubeGateway();
    kube.seedJob({
      metadata: {
        name: 'stageline-run-seen-1',
        namespace: 'stageline-issue-x',
        labels: {
          'app.kubernetes.io/managed-by': 'stageline-cluster-agent',
          'stageline.dev/cluster-agent': 'stageline',
          'stageline.dev/run-id': runId,
          'stageline.dev/lease-epoch': '4',
        },
      },
    });
    // Another installation's Job is not ours to report.
    kube.seedJob({
      metadata: {
        name: 'stageline-run-other-1',
        namespace: 'stageline-issue-y',
        labels: { 'app.kubernetes.io/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'green', 'stageline.dev/run-id': runId, 'stageline.dev/lease-epoch': '4' },
      },
    });
    agent = startAgent(edge, { gateway: kube });
    const e = edge;
    await vi.waitFor(() => expect(e.received.some((r) => r.frame.type === 'hello')).toBe(true), WAIT);
    const hello = edge.received.find((r) => r.frame.type === 'hello')?.frame;
    expect(hello).toMatchObject({
      instanceId: INSTANCE_ID,
      protocolVersion: PROTOCOL_VERSION,
      observedJobs: [{ runId, epoch: 4, jobName: 'stageline-run-seen-1', namespace: 'stageline-issue-x', phase: 'active' }],
    });
  });

  it('resolves run() promptly when aborted mid-run without touching the job', async () => {
    const { edge, kube, agent } = await setup();
    edge.addRun();
    const jobName = await jobOf(kube);
    const started = Date.now();
    await agent.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(kube.getJob(jobName)).toBeDefined();
    expect(agent.logged('cluster-agent stopped')).toHaveLength(1);
  });
});
