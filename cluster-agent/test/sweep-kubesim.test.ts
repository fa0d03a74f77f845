/**
 * The namespace TTL sweep against kubesim and the fake edge, through the
 * `--sweep-once` path (the edge is asked over HTTP) and the process entry.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/lib/log.ts';
import { sweepOnce } from '../src/run.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { nodeCommand, startSimCluster, testImage, type SimCluster } from './support/kubesim-cluster.ts';

let k: SimCluster;
let edge: FakeEdge;
let counter = 0;

beforeAll(async () => {
  k = await startSimCluster();
});

afterAll(async () => {
  await k.close();
});

afterEach(async () => {
  await edge.close();
});

const PAST = '2020-01-01T00:00:00.000Z';
const FUTURE = '2999-01-01T00:00:00.000Z';

function runNamespace(runId: string, expiresAt: string, labels: Record<string, string> = {}): V1Namespace {
  counter += 1;
  return {
    metadata: {
      name: `stageline-issue-sweep-${process.pid}-${counter}`,
      labels: {
        'stageline.dev/managed-by': 'stageline-cluster-agent',
        'stageline.dev/cluster-agent': 'stageline',
        'stageline.dev/namespace-purpose': 'run',
        'stageline.dev/runtime-mode': 'full-env',
        'stageline.dev/run-id': runId,
        ...labels,
      },
      annotations: { 'stageline.dev/namespace-lease-expires-at': expiresAt, 'stageline.dev/namespace-lease-ttl': '24h0m0s' },
    },
  };
}

async function create(ns: V1Namespace): Promise<string> {
  await k.core.createNamespace({ body: ns });
  return ns.metadata?.name ?? '';
}

/** A run the edge knows, in `status`. */
function knownRun(status: 'running' | 'succeeded' | 'waiting_mcp'): string {
  const runId = edge.addRun();
  const run = edge.runs.get(runId);
  if (run) {
    run.status = status;
  }
  return runId;
}

async function state(name: string): Promise<'live' | 'terminating' | 'gone'> {
  try {
    const ns = await k.core.readNamespace({ name });
    return ns.metadata?.deletionTimestamp ? 'terminating' : 'live';
  } catch {
    return 'gone';
  }
}

function sweepConfig() {
  const parsed = parseConfig({ STAGELINE_EDGE_URL: edge.url, STAGELINE_CLUSTER_TOKEN: edge.token, STAGELINE_INSTANCE_ID: 'cluster-1/sweeper' }, { hostname: 'h' });
  if (!parsed.ok) {
    throw new Error(parsed.error.issues.join('; '));
  }
  return parsed.value;
}

async function sweep() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const summary = await sweepOnce(sweepConfig(), { log, kubeConfig: k.agentKubeConfig() });
  return { summary, lines, decisions: lines.filter((l) => l.msg === 'namespace sweep decision') };
}

describe('namespace sweep against kubesim', () => {
  it('deletes only expired, managed, idle namespaces and explains every decision', async () => {
    edge = await startFakeEdge();
    const done = await create(runNamespace(knownRun('succeeded'), PAST));
    const unknown = await create(runNamespace(randomUUID(), PAST));
    const active = await create(runNamespace(knownRun('waiting_mcp'), PAST));
    const fresh = await create(runNamespace(knownRun('succeeded'), FUTURE));
    const busy = await create(runNamespace(knownRun('succeeded'), PAST));
    const busyRun = randomUUID();
    await k.batch.createNamespacedJob({
      namespace: busy,
      body: {
        metadata: { name: 'still-running', labels: { 'stageline.dev/run-id': busyRun } },
        spec: { backoffLimit: 0, template: { metadata: { labels: { 'stageline.dev/run-id': busyRun } }, spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: testImage, command: nodeCommand('setTimeout(() => {}, 20000)') }] } } },
      },
    });
    const otherInstallation = await create(runNamespace(knownRun('succeeded'), PAST, { 'stageline.dev/cluster-agent': 'green' }));
    const handMade = await create({ metadata: { name: `stageline-issue-handmade-${process.pid}`, labels: { 'stageline.dev/run-id': randomUUID() } } });

    const { summary, decisions } = await sweep();

    expect({ done: await state(done), unknown: await state(unknown) }).toEqual({ done: expect.stringMatching(/terminating|gone/), unknown: expect.stringMatching(/terminating|gone/) });
    expect(await Promise.all([active, fresh, busy, otherInstallation, handMade].map(state))).toEqual(['live', 'live', 'live', 'live', 'live']);
    const byName = new Map(decisions.map((d) => [d.name, d]));
    expect(byName.get(done)).toMatchObject({ action: 'delete', reason: 'ttl_expired', lease_source: 'annotation', expires_at: PAST, cleanup_command: 'cronjob', run_status: 'succeeded' });
    expect(byName.get(unknown)).toMatchObject({ action: 'delete', reason: 'ttl_expired', run_status: 'unknown' });
    expect(byName.get(active)).toMatchObject({ action: 'keep', reason: 'active_run_in_db', run_status: 'waiting_mcp', level: 'info' });
    expect(byName.get(busy)).toMatchObject({ action: 'keep', reason: 'active_workloads_present' });
    expect(byName.get(fresh)).toMatchObject({ action: 'keep', reason: 'not_expired', level: 'debug' });
    expect(byName.get(otherInstallation)).toMatchObject({ action: 'keep', reason: 'not_managed' });
    // Not even listed: it lacks the managed-by label the sweep selects on.
    expect(byName.has(handMade)).toBe(false);
    // Of this test's namespaces exactly two go (a real cluster may hold earlier runs' leftovers too).
    const ours = new Set([done, unknown, active, fresh, busy, otherInstallation]);
    expect(decisions.filter((d) => ours.has(String(d.name)) && d.action === 'delete')).toHaveLength(2);
    expect(summary).toMatchObject({ failed: 0 });
    expect(summary.deleted).toBeGreaterThanOrEqual(2);
    const query = edge.received.find((r) => r.frame.type === 'runs.query');
    expect(query?.via).toBe('http');
  });

  it('deletes nothing when the edge cannot say which runs are active', async () => {
    edge = await startFakeEdge();
    const expired = await create(runNamespace(knownRun('succeeded'), PAST));
    edge.ignoreRunQueries = true;
    const silent = await sweep();
    expect(silent.summary).toMatchObject({ deleted: 0, skipped: 'edge_unavailable' });
    expect(silent.lines.some((l) => l.msg === 'namespace sweep skipped: the edge cannot say which runs are active')).toBe(true);
    await edge.close();
    const down = await sweep();
    expect(down.summary).toMatchObject({ deleted: 0, skipped: 'edge_unavailable' });
    expect(await state(expired)).toBe('live');
    edge = await startFakeEdge();
  });

  it('runs as `main.ts --sweep-once`: one JSON summary line, exit 0', async () => {
    edge = await startFakeEdge();
    const expired = await create(runNamespace(knownRun('succeeded'), PAST));
    const kubeconfig = await k.kubeconfigFile();
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const env = { KUBECONFIG: kubeconfig, STAGELINE_EDGE_URL: edge.url, STAGELINE_CLUSTER_TOKEN: edge.token, STAGELINE_INSTANCE_ID: 'cluster-1/cron', PATH: process.env.PATH ?? '' };
    const child = spawn(process.execPath, [main, '--sweep-once'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // Earlier tests' leftovers (runs this fresh edge does not know) may go too.
    const summaries = lines.filter((l) => l.msg === 'namespace sweep summary');
    expect(summaries).toEqual([expect.objectContaining({ cleanup_command: 'cronjob', failed: 0 })]);
    expect(summaries[0]?.deleted).toBeGreaterThanOrEqual(1);
    expect(lines.find((l) => l.msg === 'namespace sweep decision' && l.name === expired)).toMatchObject({ action: 'delete', cleanup_command: 'cronjob' });
    expect(await state(expired)).not.toBe('live');
    expect(stdout).not.toContain(edge.token);
  });
});
