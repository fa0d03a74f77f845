/**
 * Leases and crashes, agent side (issue 4 item 4): runs resumed from the
 * welcome after a restart (logs continue without a gap or a repeat), leases
 * lost by heartbeat, cancels. Real session and dispatcher against the fake
 * edge and the in-memory cluster.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { fakeRunToken, startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { moreFrames } from './support/later.ts';
import { INSTANCE_ID, startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = { timeout: 10_000, interval: 20 };

let edge: FakeEdge | undefined;
const agents: StartedAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await edge?.close();
  edge = undefined;
});

function start(e: FakeEdge, kube: FakeKubeGateway, env: Record<string, string> = {}): StartedAgent {
  const agent = startAgent(e, { gateway: kube }, env);
  agents.push(agent);
  return agent;
}

async function jobOf(kube: FakeKubeGateway): Promise<string> {
  return vi.waitFor(() => {
    const name = kube.jobNames()[0];
    expect(name).toBeDefined();
    return name ?? '';
  }, WAIT);
}

const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);
const storedLines = (e: FakeEdge, runId: string): number => (e.chunks.get(runId) ?? []).reduce((n, c) => n + c.lines.length, 0);
const statuses = (e: FakeEdge, runId: string) => e.applied.filter((s) => s.runId === runId).map((s) => s.status);

describe('resume after an agent restart (welcome.heldRuns)', () => {
  it('continues the log at the stored seq, skipping stored lines: every line arrives exactly once', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const first = start(edge, kube);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const e = edge;
    kube.writeLog(jobName, lines(0, 150));
    await vi.waitFor(() => expect(storedLines(e, runId)).toBe(150), WAIT);
    // Stored but never acknowledged: the new process cannot know about these from its own memory.
    edge.withholdAcks = true;
    kube.writeLog(jobName, lines(150, 230));
    await vi.waitFor(() => expect(storedLines(e, runId)).toBe(230), WAIT);
    // Written but still buffered (flush after 200 ms) when the process dies.
    kube.writeLog(jobName, lines(230, 240));
    await first.stop();
    edge.withholdAcks = false;
    // The pod keeps logging while no agent watches.
    kube.writeLog(jobName, lines(240, 260));

    const second = start(edge, kube);
    await vi.waitFor(() => expect(second.logged('resuming a run this instance holds')).toHaveLength(1), WAIT);
    expect(second.logged('resuming a run this instance holds')[0]).toMatchObject({ runId, logSeq: expect.any(Number), logLines: 230, takeover: false });
    kube.writeLog(jobName, lines(260, 300));
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running', 'succeeded']), WAIT);

    expect(edge.logLines(runId, 1)).toEqual(lines(0, 300));
    expect(edge.violations).toEqual([]);
    const seqs = (edge.chunks.get(runId) ?? []).map((c) => c.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(kube.mutations.filter((m) => m.op === 'createJob')).toHaveLength(1);
    expect(second.logged('existing job adopted')).toHaveLength(1);
  });

  it('does not start a second worker for a held run after a reconnect of the same process', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const agent = start(edge, kube);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const e = edge;
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running']), WAIT);
    edge.dropSockets();
    await vi.waitFor(() => expect(e.stats.upgrades).toBe(2), WAIT);
    await vi.waitFor(() => expect(e.received.filter((r) => r.frame.type === 'hello' && r.via === 'socket')).toHaveLength(2), WAIT);
    kube.writeLog(jobName, ['after reconnect']);
    kube.finishJob(jobName, { type: 'Complete' });
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running', 'succeeded']), WAIT);
    expect(agent.logged('resuming a run this instance holds')).toEqual([]);
    expect(edge.logLines(runId)).toEqual(['after reconnect']);
  });
});

describe('lease lost (heartbeat.result)', () => {
  it('stops all work on the run, drops its queued frames and keeps its Job', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const agent = start(edge, kube);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const e = edge;
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running']), WAIT);
    edge.reclaim(runId, 'cluster-1/agent-b');
    await vi.waitFor(() => expect(agent.logged('lost the run lease; leaving its job to the new holder')).toEqual([expect.objectContaining({ runId, reason: 'heartbeat_lost' })]), WAIT);
    expect(edge.rejects).toEqual([]);
    const framesBefore = edge.received.filter((r) => 'runId' in r.frame && r.frame.runId === runId).length;
    kube.writeLog(jobName, ['nobody ships this']);
    kube.finishJob(jobName, { type: 'Complete' });
    // Three more heartbeats: a frame the finished Job caused would have been sent before them.
    await moreFrames(e, 'heartbeat', 3);
    expect(edge.received.filter((r) => 'runId' in r.frame && r.frame.runId === runId)).toHaveLength(framesBefore);
    expect(kube.getJob(jobName)).toBeDefined();
    expect(kube.mutations.filter((m) => m.op === 'deleteJob')).toEqual([]);
    const beats = edge.received.flatMap((r) => (r.frame.type === 'heartbeat' ? [r.frame.runs] : []));
    expect(beats.at(-1)).toEqual([]);
  });
});

describe('cancel (run.cancel)', () => {
  it('deletes the running Job, stops following it and confirms canceled at the run epoch', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    start(edge, kube);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const e = edge;
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running']), WAIT);
    edge.cancel(runId);
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running', 'canceled']), WAIT);
    expect(edge.applied.at(-1)).toMatchObject({ status: 'canceled', epoch: 1, reason: `job deleted: stageline-issue-proj1-i7-r${runId.replace(/-/g, '').slice(0, 12)}/${jobName}` });
    expect(kube.getJob(jobName)).toBeUndefined();
    expect(edge.runs.get(runId)).toMatchObject({ status: 'canceled', cancelConfirmed: true });
  });

  it('finds the Job by its run-id label when the edge does not know it, and confirms once', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    start(edge, kube);
    const e = edge;
    await vi.waitFor(() => expect(e.openSockets()).toBe(1), WAIT);
    await vi.waitFor(() => expect(e.received.some((r) => r.frame.type === 'claim')).toBe(true), WAIT);
    const runId = edge.addRun();
    // Another instance of ours started it; this one is told to cancel (it holds the lease now).
    const run = edge.runs.get(runId);
    Object.assign(run ?? {}, { status: 'running', leaseOwner: INSTANCE_ID, leaseEpoch: 3, leaseUntil: new Date(Date.now() + 60_000) });
    kube.seedJob({
      metadata: {
        name: 'stageline-run-orphan-1',
        namespace: 'stageline-issue-orphan',
        labels: { 'app.kubernetes.io/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'stageline', 'stageline.dev/run-id': runId, 'stageline.dev/lease-epoch': '3' },
      },
    });
    edge.cancel(runId);
    await vi.waitFor(() => expect(e.runs.get(runId)?.cancelConfirmed).toBe(true), WAIT);
    expect(edge.applied.filter((s) => s.runId === runId)).toEqual([expect.objectContaining({ status: 'canceled', epoch: 3, reason: 'job deleted: stageline-issue-orphan/stageline-run-orphan-1' })]);
    expect(kube.jobNames()).toEqual([]);
  });
});

describe('credentials', () => {
  it('never writes the run token into a log line', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const agent = start(edge, kube, { STAGELINE_MODEL_API_KEY: 'sk-never-logged' });
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    kube.finishJob(jobName, { type: 'Complete' });
    const e = edge;
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running', 'succeeded']), WAIT);
    const text = JSON.stringify(agent.lines);
    expect(text).not.toContain(fakeRunToken(runId, 1));
    expect(text).not.toContain('sk-never-logged');
    expect(JSON.stringify(kube.getJob(jobName))).not.toContain(fakeRunToken(runId, 1));
  });
});
