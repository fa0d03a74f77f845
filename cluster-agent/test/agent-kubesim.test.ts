/**
 * The whole agent (`run()`) against kubesim and the fake edge: credentials
 * through the run Secret, takeover adoption, cancel, pods that cannot start,
 * `:revise` namespace reuse and the lease keepalive.
 */
import { createHash, randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeRunToken, startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { CLUSTER_WAIT, nodeCommand, startSimCluster, testImage, type SimCluster } from './support/kubesim-cluster.ts';
import { LAUNCH } from './support/claimed-run.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = CLUSTER_WAIT;
const node = (script: string): string => JSON.stringify(nodeCommand(script));

let k: SimCluster;
let edge: FakeEdge | undefined;
const agents: StartedAgent[] = [];

beforeAll(async () => {
  k = await startSimCluster();
});

afterAll(async () => {
  await k.close();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await edge?.close();
  edge = undefined;
});

async function withAgent(env: Record<string, string>, instanceId = 'cluster-1/agent-a') {
  edge ??= await startFakeEdge();
  const agent = startAgent(edge, { kubeConfig: k.agentKubeConfig() }, { STAGELINE_INSTANCE_ID: instanceId, STAGELINE_JOB_IMAGE: testImage, ...env });
  agents.push(agent);
  return { edge, agent };
}

const statuses = (e: FakeEdge, runId: string) => e.applied.filter((s) => s.runId === runId).map((s) => `${s.status}@${s.epoch}`);

async function runningOf(e: FakeEdge, runId: string): Promise<{ namespace: string; jobName: string }> {
  return vi.waitFor(() => {
    const running = e.applied.find((s) => s.runId === runId && s.status === 'running');
    expect(running?.namespace).toBeDefined();
    return { namespace: running?.namespace ?? '', jobName: running?.jobName ?? '' };
  }, WAIT);
}

async function runJobs(runId: string) {
  return (await k.batch.listJobForAllNamespaces({ labelSelector: `stageline.dev/run-id=${runId}` })).items;
}

describe('run() against kubesim', () => {
  it('hands the run token to the pod only through the Secret, which the Job owns', async () => {
    const script = "const t = process.env.STAGELINE_MCP_BEARER_TOKEN || ''; console.log(require('crypto').createHash('sha256').update(t).digest('hex') + ' ' + t.length)";
    const { edge: e, agent } = await withAgent({ STAGELINE_JOB_COMMAND: node(script), STAGELINE_MODEL_API_KEY: 'sk-model-secret' });
    const runId = e.addRun();
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running@1', 'succeeded@1']), WAIT);
    const token = fakeRunToken(runId, 1);
    expect(e.logLines(runId)).toEqual([`${createHash('sha256').update(token).digest('hex')} ${token.length}`]);
    const { namespace, jobName } = await runningOf(e, runId);
    const job = await k.batch.readNamespacedJob({ namespace, name: jobName });
    const secret = await k.core.readNamespacedSecret({ namespace, name: `stageline-run-${runId.replace(/-/g, '')}-credentials` });
    expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: jobName, uid: job.metadata?.uid })]);
    expect(JSON.stringify(job)).not.toContain(token);
    expect(JSON.stringify(job)).not.toContain('sk-model-secret');
    expect(job.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'STAGELINE_OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: secret.metadata?.name, key: 'model-api-key' } } });
    const logText = JSON.stringify(agent.lines);
    expect(logText).not.toContain(token);
    expect(logText).not.toContain('sk-model-secret');
  });

  it('takes over a run whose holder died: adopts its Job (one Job, new epoch) and finishes it', async () => {
    const script = "console.log('started'); setTimeout(() => console.log('finished'), 2500)";
    const first = await withAgent({ STAGELINE_JOB_COMMAND: node(script) }, 'cluster-1/agent-a');
    const runId = first.edge.addRun();
    const { jobName } = await runningOf(first.edge, runId);
    await first.agent.stop();
    first.edge.expireLease(runId);
    const second = await withAgent({ STAGELINE_JOB_COMMAND: node(script) }, 'cluster-1/agent-b');
    await vi.waitFor(() => expect(statuses(second.edge, runId)).toEqual(['running@1', 'succeeded@2']), WAIT);
    expect(second.agent.logged('run claimed')[0]).toMatchObject({ runId, takeover: true, epoch: 2 });
    expect(second.agent.logged('existing job adopted')).toHaveLength(1);
    const jobs = await runJobs(runId);
    expect(jobs.map((j) => [j.metadata?.name, j.metadata?.labels?.['stageline.dev/lease-epoch']])).toEqual([[jobName, '2']]);
    expect(jobs[0]?.status?.succeeded).toBe(1);
    expect(second.edge.logLines(runId, 2)).toEqual(['started', 'finished']);
  });

  it('fails a taken-over run whose recorded Job is gone instead of running it again', async () => {
    const script = "console.log('started'); setTimeout(() => console.log('finished'), 2500)";
    const first = await withAgent({ STAGELINE_JOB_COMMAND: node(script) }, 'cluster-1/agent-a');
    const runId = first.edge.addRun();
    const { namespace, jobName } = await runningOf(first.edge, runId);
    await first.agent.stop();
    // The Job finished and was garbage-collected before anyone reported it.
    await k.batch.deleteNamespacedJob({ namespace, name: jobName, propagationPolicy: 'Background' });
    await vi.waitFor(async () => expect(await runJobs(runId)).toEqual([]), WAIT);
    first.edge.expireLease(runId);
    const second = await withAgent({ STAGELINE_JOB_COMMAND: node(script) }, 'cluster-1/agent-b');
    await vi.waitFor(() => expect(statuses(second.edge, runId)).toEqual(['running@1', 'failed@2']), WAIT);
    expect(second.edge.runs.get(runId)?.reason).toMatch(/^job_not_found: /);
    expect(await runJobs(runId)).toEqual([]);
  });

  it('deletes the namespaces of a closed issue, and only ours', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node("console.log('done')") });
    // An issue number of its own: a real cluster keeps earlier runs' namespaces.
    const runId = e.addRun({ issueNumber: randomInt(100_000, 1_000_000) });
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running@1', 'succeeded@1']), WAIT);
    const { namespace } = await runningOf(e, runId);
    const issue = e.runs.get(runId)?.claim.issueNumber ?? 0;
    // A namespace with the same issue labels but another installation's must survive.
    const foreign = `stageline-issue-foreign-${issue}`;
    await k.core.createNamespace({
      body: { metadata: { name: foreign, labels: { 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'other', 'stageline.dev/namespace-purpose': 'run', 'stageline.dev/runtime-mode': 'full-env', 'stageline.dev/project-id': 'proj-1', 'stageline.dev/issue-number': String(issue) } } },
    });
    e.cleanupIssue('proj-1', issue);
    await vi.waitFor(async () => expect((await k.core.listNamespace({ labelSelector: `stageline.dev/issue-number=${issue}` })).items.map((n) => n.metadata?.name)).toEqual([foreign]), WAIT);
    expect((await k.core.readNamespace({ name: foreign })).metadata?.deletionTimestamp).toBeUndefined();
    expect(namespace).not.toBe(foreign);
  });

  it('writes an approved secret into the run namespace, merges keys, and refuses the run Secret and foreign namespaces', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node("console.log('working'); setTimeout(() => {}, 30000)") });
    const runId = e.addRun();
    const { namespace } = await runningOf(e, runId);
    const reports = () => e.received.flatMap((r) => (r.frame.type === 'secret.applied' ? [r.frame] : []));
    const ids = ['0b0c7c5e-8d0e-4c43-9a43-000000000001', '0b0c7c5e-8d0e-4c43-9a43-000000000002', '0b0c7c5e-8d0e-4c43-9a43-000000000003', '0b0c7c5e-8d0e-4c43-9a43-000000000004'];
    e.applySecret({ requestId: ids[0] ?? '', runId, namespace, name: 'db-credentials', key: 'password', value: 'p4ss-w0rd' });
    await vi.waitFor(() => expect(reports().map((r) => [r.requestId, r.ok])).toEqual([[ids[0], true]]), WAIT);
    e.applySecret({ requestId: ids[1] ?? '', runId, namespace, name: 'db-credentials', key: 'user', value: 'app' });
    await vi.waitFor(() => expect(reports()).toHaveLength(2), WAIT);
    const secret = await k.core.readNamespacedSecret({ namespace, name: 'db-credentials' });
    expect(Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, v]) => [key, Buffer.from(v, 'base64').toString()]))).toEqual({ password: 'p4ss-w0rd', user: 'app' });
    expect(secret.metadata?.labels?.['stageline.dev/secret-sync']).toBe('true');
    // The run Secret (token, model key) is never a target; nor is a namespace that is not ours.
    e.applySecret({ requestId: ids[2] ?? '', runId, namespace, name: 'stageline-run-x-credentials', key: 'mcp-token', value: 'forged' });
    e.applySecret({ requestId: ids[3] ?? '', runId, namespace: 'default', name: 'db-credentials', key: 'password', value: 'x' });
    await vi.waitFor(() => expect(reports()).toHaveLength(4), WAIT);
    expect(reports().slice(2).map((r) => [r.requestId, r.ok, r.error])).toEqual([
      [ids[2], false, 'secret names starting with stageline- are reserved'],
      [ids[3], false, 'namespace default is not a run namespace of this installation'],
    ]);
    await expect(k.core.readNamespacedSecret({ namespace: 'default', name: 'db-credentials' })).rejects.toThrow();
  });

  it('cancels a running run: deletes its Job and pods and confirms canceled', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node("console.log('working'); setTimeout(() => {}, 30000)") });
    const runId = e.addRun();
    const { namespace } = await runningOf(e, runId);
    await vi.waitFor(() => expect(e.logLines(runId)).toEqual(['working']), WAIT);
    e.cancel(runId, 'staff said stop');
    await vi.waitFor(() => expect(e.runs.get(runId)?.cancelConfirmed).toBe(true), WAIT);
    expect(statuses(e, runId)).toEqual(['running@1', 'canceled@1']);
    expect(e.applied.at(-1)?.reason).toMatch(/^job deleted: /);
    await vi.waitFor(async () => expect(await runJobs(runId)).toEqual([]), WAIT);
    await vi.waitFor(async () => expect((await k.core.listNamespacedPod({ namespace })).items).toEqual([]), WAIT);
    expect(e.violations).toEqual([]);
  });

  it('fails a run whose image cannot be pulled once the grace has passed, and deletes its Job', async () => {
    const { edge: e, agent } = await withAgent({ STAGELINE_JOB_IMAGE: 'ghcr.io/stageline/runner:missing', STAGELINE_POD_FAILURE_GRACE: '600ms' });
    const runId = e.addRun();
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running@1', 'failed@1']), WAIT);
    // The registry's wording varies (not found, unauthorized); the reason and the image do not.
    expect(e.runs.get(runId)?.reason).toMatch(/^(ErrImagePull|ImagePullBackOff): .*ghcr\.io\/stageline\/runner:missing/);
    await vi.waitFor(async () => expect(await runJobs(runId)).toEqual([]), WAIT);
    expect(agent.logged('run finished')[0]).toMatchObject({ status: 'failed' });
  });

  it('fails a run whose pod no node can take once the grace has passed, and deletes its Job', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_PROFILES: '{"dev":{"nodeSelector":{"pool":"gpu"}}}', STAGELINE_POD_FAILURE_GRACE: '600ms' });
    const runId = e.addRun();
    await vi.waitFor(() => expect(statuses(e, runId)).toEqual(['running@1', 'failed@1']), WAIT);
    // The scheduler's message, whatever the number of nodes.
    expect(e.runs.get(runId)?.reason).toMatch(/^Unschedulable: 0\/(\d+) nodes are available: \1 node\(s\) didn't match Pod's node affinity\/selector\./);
    await vi.waitFor(async () => expect(await runJobs(runId)).toEqual([]), WAIT);
  });

  it('runs a :revise stage in the issue namespace, relabels it and extends its lease', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node("console.log('ok')") });
    const first = e.addRun({ issueNumber: 4242 });
    await vi.waitFor(() => expect(statuses(e, first)).toEqual(['running@1', 'succeeded@1']), WAIT);
    const { namespace } = await runningOf(e, first);
    const before = await k.core.readNamespace({ name: namespace });
    const revise = e.addRun({ issueNumber: 4242, triggerKind: 'dev_revise', triggerLabel: 'run:dev:revise' });
    await vi.waitFor(() => expect(statuses(e, revise)).toEqual(['running@1', 'succeeded@1']), WAIT);
    expect((await runningOf(e, revise)).namespace).toBe(namespace);
    const after = await k.core.readNamespace({ name: namespace });
    expect(after.metadata?.labels?.['stageline.dev/run-id']).toBe(revise);
    const expiry = (ns: typeof after) => Date.parse(ns.metadata?.annotations?.['stageline.dev/namespace-lease-expires-at'] ?? '');
    expect(expiry(after)).toBeGreaterThan(expiry(before));
    // A different issue does not reuse it.
    const other = e.addRun({ issueNumber: 4243, triggerKind: 'dev_revise' });
    await vi.waitFor(() => expect(statuses(e, other)).toEqual(['running@1', 'succeeded@1']), WAIT);
    expect((await runningOf(e, other)).namespace).not.toBe(namespace);
  });

  it('runs qa in the candidate namespace the edge names, and only if it is ours and live', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node("console.log('ok')") });
    const issueNumber = randomInt(100_000, 1_000_000);
    const dev = e.addRun({ issueNumber });
    await vi.waitFor(() => expect(statuses(e, dev)).toEqual(['running@1', 'succeeded@1']), WAIT);
    const { namespace } = await runningOf(e, dev);
    const launch = { ...LAUNCH, buildRef: 'abc', namespace, writeScope: 'markdown_only' as const };
    const qa = e.addRun({ issueNumber, triggerKind: 'qa', triggerLabel: 'run:qa', agentKey: 'qa', launch });
    await vi.waitFor(() => expect(statuses(e, qa)).toEqual(['running@1', 'succeeded@1']), WAIT);
    expect((await runningOf(e, qa)).namespace).toBe(namespace);
    // A name that is not this issue's managed namespace is not trusted: the run gets its own.
    const stray = e.addRun({ issueNumber: issueNumber + 1, triggerKind: 'qa', triggerLabel: 'run:qa', agentKey: 'qa', launch });
    await vi.waitFor(() => expect(statuses(e, stray)).toEqual(['running@1', 'succeeded@1']), WAIT);
    expect((await runningOf(e, stray)).namespace).not.toBe(namespace);
  });

  it('keeps the namespace lease alive every heartbeat while the run is held', async () => {
    const { edge: e } = await withAgent({ STAGELINE_JOB_COMMAND: node('setTimeout(() => {}, 3000)') });
    const runId = e.addRun();
    const { namespace } = await runningOf(e, runId);
    const updatedAt = async () => (await k.core.readNamespace({ name: namespace })).metadata?.annotations?.['stageline.dev/namespace-lease-updated-at'] ?? '';
    const first = await updatedAt();
    await vi.waitFor(async () => expect(Date.parse(await updatedAt())).toBeGreaterThan(Date.parse(first)), WAIT);
  });
});
