/**
 * The real client-node gateway against kubesim (a simulated API server whose
 * Job controller runs the container command as a local process), and the
 * whole agent (`run()`) against kubesim plus the fake edge.
 */
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startKubeSim } from '@stageline/kubesim';
import type { ClaimedRun } from '@stageline/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClientNodeGateway } from '../src/kube/client-node-gateway.ts';
import type { KubeGateway } from '../src/kube/kube-gateway.ts';
import { buildRunJob, buildRunNamespace, type JobSettings } from '../src/kube/manifests.ts';
import { createLogger } from '../src/lib/log.ts';
import { startFakeEdge } from './fakes/fake-edge-server.ts';
import { startAgent } from './support/start-agent.ts';

type Sim = Awaited<ReturnType<typeof startKubeSim>>;

const WAIT = { timeout: 20_000, interval: 50 };
let sim: Sim;
let kubeConfig: KubeConfig;
let gateway: KubeGateway;
let counter = 0;

beforeAll(async () => {
  sim = await startKubeSim();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig());
  gateway = createClientNodeGateway({ kubeConfig, log: createLogger({ level: 'error' }), podPollIntervalMs: 50 });
});

afterAll(async () => {
  await sim.close();
});

function claimedRun(overrides: Partial<ClaimedRun> = {}): ClaimedRun {
  counter += 1;
  const runId = `3f2a9b1c-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return {
    runId,
    correlationId: `delivery-${counter}`,
    epoch: 1,
    attemptNo: 1,
    projectId: 'proj-1',
    repositoryFullName: 'acme/app',
    issueNumber: counter,
    triggerKind: 'dev',
    triggerLabel: 'run:dev',
    agentKey: 'dev',
    leaseUntil: '2026-11-22T10:45:00.000Z',
    ...overrides,
  };
}

function settings(script: string, activeDeadlineSeconds = 60): JobSettings {
  return { image: 'ghcr.io/stageline/runner:latest', command: [process.execPath, '-e', script], activeDeadlineSeconds, ttlSecondsAfterFinished: 600, edgeUrl: 'http://edge.test' };
}

async function prepare(script: string, run = claimedRun(), activeDeadlineSeconds = 60) {
  const namespace = `stageline-issue-test-${run.issueNumber ?? 0}`;
  const jobName = `stageline-run-test-${run.issueNumber ?? 0}-1`;
  const ns = await gateway.ensureNamespace(buildRunNamespace({ run, namespace }));
  expect(ns.ok).toBe(true);
  const job = buildRunJob({ run, namespace, jobName }, settings(script, activeDeadlineSeconds));
  const created = await gateway.ensureJob(namespace, job);
  return { run, namespace, jobName, job, created, ref: { namespace, name: jobName, runId: run.runId } };
}

describe('ClientNodeGateway against kubesim', () => {
  it('creates a namespace, then merges labels into it on the second call', async () => {
    const run = claimedRun();
    const name = 'stageline-issue-merge-1';
    const core = kubeConfig.makeApiClient(CoreV1Api);
    expect(await gateway.ensureNamespace(buildRunNamespace({ run, namespace: name }))).toEqual({ ok: true, value: { kind: 'created' } });
    await core.patchNamespace(
      { name, body: [{ op: 'add', path: '/metadata/labels/team', value: 'blue' }] },
    );
    const next = claimedRun();
    expect(await gateway.ensureNamespace(buildRunNamespace({ run: next, namespace: name }))).toEqual({ ok: true, value: { kind: 'updated' } });
    const read = await core.readNamespace({ name });
    expect(read.metadata?.labels).toMatchObject({ team: 'blue', 'stageline.dev/run-id': next.runId, 'stageline.dev/managed-by': 'stageline-cluster-agent' });
    expect(read.metadata?.annotations?.['stageline.dev/correlation-id']).toBe(next.correlationId);
  });

  it('adopts an existing job of the same run and stamps the new epoch; refuses one of another run', async () => {
    const { run, namespace, jobName, job, created } = await prepare('setTimeout(() => {}, 200)');
    expect(created.ok && created.value.kind).toBe('created');
    const again = await gateway.ensureJob(namespace, buildRunJob({ run: { ...run, epoch: 2 }, namespace, jobName }, settings('0')));
    expect(again.ok && again.value.kind).toBe('adopted');
    expect(again.ok && again.value.job).toMatchObject({ name: jobName, runId: run.runId, epoch: 2 });
    const read = await kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name: jobName, namespace });
    expect(read.metadata?.labels?.['stageline.dev/lease-epoch']).toBe('2');

    const other = claimedRun();
    const foreign = await gateway.ensureJob(namespace, { ...job, metadata: { ...job.metadata, labels: { ...job.metadata?.labels, 'stageline.dev/run-id': other.runId } } });
    expect(foreign).toEqual({ ok: false, error: { kind: 'owned_by_other_run', name: jobName, otherRunId: run.runId } });
  });

  it('runs a job to success and follows its log', async () => {
    const { ref, created } = await prepare("console.log('line1');console.log('line2')");
    expect(created.ok).toBe(true);
    const lines: string[] = [];
    const controller = new AbortController();
    const following = gateway.followJobLog(ref, (line) => lines.push(line), controller.signal);
    const outcome = await gateway.waitForJobOutcome(ref, controller.signal);
    expect(outcome).toEqual({ status: 'succeeded' });
    await following;
    expect(lines).toEqual(['line1', 'line2']);
    const listed = await gateway.listManagedJobs();
    expect(listed.find((job) => job.name === ref.name)).toMatchObject({ runId: ref.runId, epoch: 1, phase: 'succeeded' });
  });

  it('reports a failing command as failed with the condition reason', async () => {
    const { ref } = await prepare("console.error('bad things');process.exit(3)");
    const lines: string[] = [];
    const controller = new AbortController();
    const following = gateway.followJobLog(ref, (line) => lines.push(line), controller.signal);
    const outcome = await gateway.waitForJobOutcome(ref, controller.signal);
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/^BackoffLimitExceeded/);
    await following;
    expect(lines).toEqual(['bad things']);
  });

  it('reports a job past its activeDeadlineSeconds as timed_out', async () => {
    const { ref } = await prepare('setTimeout(() => {}, 30000)', claimedRun(), 1);
    const outcome = await gateway.waitForJobOutcome(ref, new AbortController().signal);
    expect(outcome).toEqual({ status: 'timed_out', reason: 'DeadlineExceeded: Job was active longer than specified deadline' });
  });

  it('stops waiting when aborted', async () => {
    const { ref } = await prepare('setTimeout(() => {}, 5000)');
    const controller = new AbortController();
    const waiting = gateway.waitForJobOutcome(ref, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toThrow();
  });
});

describe('run() against kubesim and the fake edge', () => {
  it('claims a run, runs its job in kubesim and reports running, the log lines and succeeded', async () => {
    const edge = await startFakeEdge();
    const agentEnv = {
      STAGELINE_JOB_COMMAND: JSON.stringify([process.execPath, '-e', "console.log('line1');console.log('line2')"]),
    };
    const agentKubeConfig = new KubeConfig();
    agentKubeConfig.loadFromString(sim.kubeconfig());
    const agent = startAgent(edge, { kubeConfig: agentKubeConfig }, agentEnv);
    try {
      const runId = edge.addRun({ issueNumber: 4242 });
      await vi.waitFor(() => expect(edge.applied.filter((s) => s.runId === runId).map((s) => s.status)).toEqual(['running', 'succeeded']), WAIT);
      expect(edge.logLines(runId)).toEqual(['line1', 'line2']);
      const running = edge.applied.find((s) => s.runId === runId && s.status === 'running');
      expect(running?.namespace).toBe(`stageline-issue-proj1-i4242-r${runId.replace(/-/g, '').slice(0, 12)}`);
      const job = await kubeConfig.makeApiClient(BatchV1Api).readNamespacedJob({ name: running?.jobName ?? '', namespace: running?.namespace ?? '' });
      expect(job.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'STAGELINE_RUN_ID', value: runId });
    } finally {
      await agent.stop();
      await edge.close();
    }
  });
});
