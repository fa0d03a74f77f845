/**
 * Operability (issue 4 item 7): the ops endpoint of a running agent, scraped
 * over HTTP while the fake edge and the in-memory cluster change state; and
 * the in-band namespace sweep, which asks the edge over the socket.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { moreFrames } from './support/later.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = { timeout: 10_000, interval: 20 };

let edge: FakeEdge | undefined;
let agent: StartedAgent | undefined;

afterEach(async () => {
  await agent?.stop();
  await edge?.close();
  agent = undefined;
  edge = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

/** The value of one sample line (`name` or `name{labels}`) in Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function jobOf(kube: FakeKubeGateway): Promise<string> {
  return vi.waitFor(() => {
    const name = kube.jobNames()[0];
    expect(name).toBeDefined();
    return name ?? '';
  }, WAIT);
}

describe('ops endpoint', () => {
  it('reports claims, runs in progress, latencies, log backlog, reconnects and lost leases', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    agent = startAgent(edge, { gateway: kube });
    const port = await agent.httpPort;
    expect(agent.logged('ops endpoint listening')).toEqual([expect.objectContaining({ port })]);
    const runId = edge.addRun();
    const jobName = await jobOf(kube);
    const e = edge;
    await vi.waitFor(() => expect(e.applied.map((s) => s.status)).toEqual(['running']), WAIT);
    await vi.waitFor(async () => {
      const { status, text } = await get(port, '/metrics');
      expect(status).toBe(200);
      expect(sample(text, 'stageline_agent_claims_total')).toBe(1);
      expect(sample(text, 'stageline_agent_runs_in_progress')).toBe(1);
      expect(sample(text, 'stageline_agent_claim_to_job_created_seconds_count')).toBe(1);
      expect(sample(text, 'stageline_agent_claim_to_pod_running_seconds_count')).toBe(1);
      expect(sample(text, 'stageline_agent_queue_to_job_created_seconds_count')).toBe(1);
      // The run.available said 1 waiting; the claim result after it, 0.
      expect(sample(text, 'stageline_agent_queue_depth')).toBe(0);
      expect(text).toContain('process_cpu_user_seconds_total');
    }, WAIT);

    // Unacknowledged log chunks are the log lag.
    edge.withholdAcks = true;
    kube.writeLog(jobName, ['a', 'b']);
    await vi.waitFor(async () => {
      const { text } = await get(port, '/metrics');
      expect(sample(text, 'stageline_agent_log_outbox_frames')).toBe(1);
      expect(sample(text, 'stageline_agent_log_lag_seconds')).toBeGreaterThan(0);
    }, WAIT);
    edge.withholdAcks = false;
    edge.dropSockets();
    await vi.waitFor(async () => {
      const { text } = await get(port, '/metrics');
      expect(sample(text, 'stageline_agent_edge_reconnects_total')).toBe(1);
      expect(sample(text, 'stageline_agent_log_outbox_frames')).toBe(0);
    }, WAIT);

    edge.reclaim(runId);
    await vi.waitFor(async () => {
      const { text } = await get(port, '/metrics');
      expect(sample(text, 'stageline_agent_lease_lost_total')).toBe(1);
      expect(sample(text, 'stageline_agent_runs_in_progress')).toBe(0);
    }, WAIT);
  });

  it('is ready only while the edge answers and the Kubernetes API works; healthz follows the loop', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    agent = startAgent(edge, { gateway: kube });
    const port = await agent.httpPort;
    await vi.waitFor(async () => expect(await get(port, '/readyz')).toEqual({ status: 200, text: '{"status":"ready"}' }), WAIT);
    expect(await get(port, '/healthz')).toEqual({ status: 200, text: '{"status":"ok"}' });

    // The sweep lists namespaces every tick: a failing API shows within a tick.
    kube.failNext('listNamespaces', new Error('list namespaces: HTTP 503'), true);
    await vi.waitFor(async () => expect(await get(port, '/readyz')).toEqual({ status: 503, text: '{"status":"not_ready","reason":"kubernetes_api_failing"}' }), WAIT);
    kube.heal('listNamespaces');
    await vi.waitFor(async () => expect((await get(port, '/readyz')).status).toBe(200), WAIT);

    await edge.close();
    await vi.waitFor(async () => expect(await get(port, '/readyz')).toEqual({ status: 503, text: '{"status":"not_ready","reason":"edge_unreachable"}' }), WAIT);
    expect((await get(port, '/healthz')).status).toBe(200);
    expect((await get(port, '/nope')).status).toBe(404);
    edge = undefined;

    await agent.stop();
    agent = undefined;
    await expect(get(port, '/healthz')).rejects.toThrow();
  });

  it('is not ready when the edge speaks another major version', async () => {
    edge = await startFakeEdge({ protocolVersion: '2.0.0' });
    agent = startAgent(edge, { gateway: new FakeKubeGateway() });
    const port = await agent.httpPort;
    await vi.waitFor(async () => expect(await get(port, '/readyz')).toEqual({ status: 503, text: '{"status":"not_ready","reason":"edge_incompatible"}' }), WAIT);
  });

  it('sweeps expired namespaces every tick, asking the edge over the socket, and counts deletions', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    const finished = edge.addRun({ issueNumber: 9 });
    const run = edge.runs.get(finished);
    Object.assign(run ?? {}, { status: 'succeeded' });
    const labels = {
      'stageline.dev/managed-by': 'stageline-cluster-agent',
      'stageline.dev/cluster-agent': 'stageline',
      'stageline.dev/namespace-purpose': 'run',
      'stageline.dev/runtime-mode': 'full-env',
      'stageline.dev/run-id': finished,
    };
    kube.seedNamespace({ metadata: { name: 'stageline-issue-old', labels, annotations: { 'stageline.dev/namespace-lease-expires-at': '2020-01-01T00:00:00.000Z' } } });
    agent = startAgent(edge, { gateway: kube });
    const port = await agent.httpPort;
    await vi.waitFor(() => expect(kube.namespaces.has('stageline-issue-old')).toBe(false), WAIT);
    expect(edge.received.find((r) => r.frame.type === 'runs.query')?.via).toBe('socket');
    expect(agent.logged('namespace sweep decision')).toContainEqual(expect.objectContaining({ name: 'stageline-issue-old', action: 'delete', cleanup_command: 'agent_tick' }));
    const { text } = await get(port, '/metrics');
    expect(sample(text, 'stageline_agent_namespaces_deleted_total')).toBe(1);
  });

  it('does not sweep when STAGELINE_RUN_NAMESPACE_CLEANUP=false', async () => {
    edge = await startFakeEdge();
    const kube = new FakeKubeGateway();
    agent = startAgent(edge, { gateway: kube }, { STAGELINE_RUN_NAMESPACE_CLEANUP: 'false' });
    const e = edge;
    await vi.waitFor(() => expect(e.received.filter((r) => r.frame.type === 'heartbeat').length).toBeGreaterThan(2), WAIT);
    kube.failNext('listNamespaces', new Error('must not be called'), true);
    // Three more heartbeats (same interval as the sweep tick): a sweep would have run and failed by then.
    await moreFrames(e, 'heartbeat', 3);
    expect(agent.logged('namespace sweep failed')).toEqual([]);
    expect(e.received.filter((r) => r.frame.type === 'runs.query')).toEqual([]);
  });

  it('fails start-up when the ops port is taken', async () => {
    edge = await startFakeEdge();
    const first = startAgent(edge, { gateway: new FakeKubeGateway() });
    agent = first;
    const port = await first.httpPort;
    const second = startAgent(edge, { gateway: new FakeKubeGateway() }, { STAGELINE_HTTP_PORT: String(port), STAGELINE_INSTANCE_ID: 'cluster-1/agent-b' });
    await expect(second.done).rejects.toThrow(`ops endpoint could not listen on port ${port}`);
  });
});
