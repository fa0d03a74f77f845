/**
 * The real client-node gateway and the run materialization against kubesim
 * (a simulated API server whose Job controller runs the container command as
 * a local process). Nothing here is mocked: every call goes over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MaterializeSettings } from '../src/dispatch/materialize-run.ts';
import { materializeRun } from '../src/dispatch/materialize-run.ts';
import type { JobRef } from '../src/kube/kube-gateway.ts';
import { buildRunJob, runSecretName, type JobSettings } from '../src/kube/manifests.ts';
import { claimedRun, CLUSTER_WAIT, nodeCommand, startSimCluster, testImage, type SimCluster } from './support/kubesim-cluster.ts';

const WAIT = CLUSTER_WAIT;
let k: SimCluster;

beforeAll(async () => {
  k = await startSimCluster();
});

afterAll(async () => {
  await k.close();
});

const settings: MaterializeSettings = {
  installation: 'stageline',
  namespacePrefix: 'stageline-issue',
  namespaceTtl: { defaultSeconds: 86_400, byRole: { dev: 3600 } },
  quotaPods: 20,
  limitRange: { defaultRequest: { cpu: '100m', memory: '256Mi' }, default: { cpu: '2', memory: '4Gi' } },
  egress: { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'], ports: [443] },
  modelApiKey: 'sk-model-key',
};

function jobSettings(script: string, activeDeadlineSeconds = 60): JobSettings {
  return {
    image: testImage,
    command: nodeCommand(script),
    activeDeadlineSeconds,
    ttlSecondsAfterFinished: 600,
    edgeUrl: 'http://edge.test',
    installation: 'stageline',
    profiles: {},
    withModelApiKey: true,
  };
}

async function materialized(run = claimedRun()) {
  const result = await materializeRun(run, k.gateway, settings, new Date());
  if (!result.ok) {
    throw new Error(JSON.stringify(result.error));
  }
  return { run, ...result.value };
}

async function startJob(script: string, activeDeadlineSeconds = 60) {
  const { run, namespace, jobName } = await materialized();
  const created = await k.gateway.ensureJob(namespace, buildRunJob({ run, namespace, jobName }, jobSettings(script, activeDeadlineSeconds)));
  const ref: JobRef = { namespace, name: jobName, runId: run.runId };
  return { run, namespace, jobName, created, ref };
}

async function countNamed(namespace: string): Promise<Record<string, number>> {
  const owned = 'stageline.dev/managed-by=stageline-cluster-agent';
  const [sa, roles, bindings, quotas, limits, policies, secrets] = await Promise.all([
    k.core.listNamespacedServiceAccount({ namespace, labelSelector: owned }),
    k.rbac.listNamespacedRole({ namespace, labelSelector: owned }),
    k.rbac.listNamespacedRoleBinding({ namespace, labelSelector: owned }),
    k.core.listNamespacedResourceQuota({ namespace, labelSelector: owned }),
    k.core.listNamespacedLimitRange({ namespace, labelSelector: owned }),
    k.net.listNamespacedNetworkPolicy({ namespace, labelSelector: owned }),
    k.core.listNamespacedSecret({ namespace, labelSelector: owned }),
  ]);
  return { sa: sa.items.length, roles: roles.items.length, bindings: bindings.items.length, quotas: quotas.items.length, limits: limits.items.length, policies: policies.items.length, secrets: secrets.items.length };
}

describe('materialization against kubesim', () => {
  it('creates the namespace and its objects, and a second run converges instead of failing', async () => {
    const first = await materialized();
    const { namespace } = first;
    await k.core.patchNamespace({ name: namespace, body: [{ op: 'add', path: '/metadata/labels/team', value: 'blue' }] });
    const again = await materializeRun({ ...first.run, correlationId: 'delivery-again', runToken: 'srt_rotated' }, k.gateway, settings, new Date());
    expect(again).toMatchObject({ ok: true, value: { namespace, placement: 'run_namespace' } });
    expect(await countNamed(namespace)).toEqual({ sa: 1, roles: 1, bindings: 1, quotas: 1, limits: 1, policies: 1, secrets: 1 });
    const ns = await k.core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels).toMatchObject({ team: 'blue', 'stageline.dev/cluster-agent': 'stageline', 'stageline.dev/run-id': first.run.runId });
    expect(ns.metadata?.annotations).toMatchObject({ 'stageline.dev/correlation-id': 'delivery-again', 'stageline.dev/namespace-lease-ttl': '1h0m0s' });
    const limits = await k.core.readNamespacedLimitRange({ namespace, name: 'stageline-run-limits' });
    expect(limits.spec?.limits[0]?._default).toEqual({ cpu: '2', memory: '4Gi' });
    const role = await k.rbac.readNamespacedRole({ namespace, name: 'stageline-runner' });
    expect(JSON.stringify(role.rules)).not.toContain('secrets');
    const secret = await k.core.readNamespacedSecret({ namespace, name: runSecretName(first.run.runId) });
    expect(Buffer.from(secret.data?.['mcp-token'] ?? '', 'base64').toString()).toBe('srt_rotated');
    const policy = await k.net.readNamespacedNetworkPolicy({ namespace, name: 'stageline-run-egress' });
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec?.ingress).toBeUndefined();
  });

  it('refuses a namespace with the same name that it does not manage, and does not touch it', async () => {
    const run = claimedRun();
    const name = `stageline-issue-proj1-i${run.issueNumber ?? 0}-r${run.runId.replace(/-/g, '').slice(0, 12)}`;
    await k.core.createNamespace({ body: { metadata: { name, labels: { owner: 'someone-else' } } } });
    const before = await k.core.readNamespace({ name });
    const result = await materializeRun(run, k.gateway, settings, new Date());
    expect(result).toEqual({ ok: false, error: { code: 'namespace_not_managed', message: `namespace ${name} exists and is not managed by installation stageline` } });
    const after = await k.core.readNamespace({ name });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.labels).toEqual(before.metadata?.labels);
    expect((await k.core.listNamespacedServiceAccount({ namespace: name })).items.map((sa) => sa.metadata?.name)).toEqual(['default']);
    expect((await k.core.listNamespacedSecret({ namespace: name })).items).toEqual([]);
  });

  it('runs a read-only stage with the read-only profile', async () => {
    const { run, namespace, jobName } = await materialized(claimedRun({ triggerKind: 'postdeploy', agentKey: 'sre' }));
    const role = await k.rbac.readNamespacedRole({ namespace, name: 'stageline-runner-readonly' });
    expect(role.rules?.every((rule) => rule.verbs.every((verb) => ['get', 'list', 'watch'].includes(verb)))).toBe(true);
    const created = await k.gateway.ensureJob(namespace, buildRunJob({ run, namespace, jobName }, jobSettings('0')));
    expect(created.ok).toBe(true);
    const job = await k.batch.readNamespacedJob({ namespace, name: jobName });
    expect(job.spec?.template.spec?.serviceAccountName).toBe('stageline-runner-readonly');
  });
});

describe('Jobs against kubesim', () => {
  it('adopts an existing job of the same run and stamps the new epoch; refuses one of another run', async () => {
    const { run, namespace, jobName, created } = await startJob('setTimeout(() => {}, 200)');
    expect(created.ok && created.value.kind).toBe('created');
    const again = await k.gateway.ensureJob(namespace, buildRunJob({ run: { ...run, epoch: 2 }, namespace, jobName }, jobSettings('0')));
    expect(again.ok && again.value.kind).toBe('adopted');
    expect(again.ok && again.value.job).toMatchObject({ name: jobName, runId: run.runId, epoch: 2 });
    expect((await k.batch.readNamespacedJob({ name: jobName, namespace })).metadata?.labels?.['stageline.dev/lease-epoch']).toBe('2');
    const other = claimedRun();
    const foreign = await k.gateway.ensureJob(namespace, buildRunJob({ run: other, namespace, jobName }, jobSettings('0')));
    expect(foreign).toEqual({ ok: false, error: { kind: 'owned_by_other_run', name: jobName, otherRunId: run.runId } });
    expect((await k.gateway.findRunJobs(run.runId)).map((job) => job.name)).toEqual([jobName]);
  });

  it('lets the Job own the run Secret, so deleting the Job (Background) removes the Secret', async () => {
    const { run, namespace, jobName, created } = await startJob('setTimeout(() => {}, 5000)');
    const uid = created.ok ? created.value.job.uid : '';
    const secretName = runSecretName(run.runId);
    await k.gateway.setJobOwner({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName }, { name: jobName, uid });
    const secret = await k.core.readNamespacedSecret({ namespace, name: secretName });
    expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid })]);
    expect(await k.gateway.deleteJob(namespace, jobName)).toBe('deleted');
    await vi.waitFor(async () => expect((await k.core.listNamespacedSecret({ namespace })).items).toEqual([]), WAIT);
    await vi.waitFor(async () => expect((await k.core.listNamespacedPod({ namespace })).items).toEqual([]), WAIT);
    expect(await k.gateway.deleteJob(namespace, jobName)).toBe('not_found');
  });

  it('runs a job to success and follows its pod log', async () => {
    const { ref } = await startJob("console.log('line1');console.log('line2')");
    const outcome = await k.gateway.waitForJobOutcome(ref, new AbortController().signal);
    expect(outcome).toEqual({ status: 'succeeded' });
    const [pod] = await k.gateway.listJobPods(ref);
    const lines: string[] = [];
    await k.gateway.followPodLog(ref, pod?.metadata?.name ?? '', (line) => lines.push(line), new AbortController().signal);
    expect(lines).toEqual(['line1', 'line2']);
    const listed = await k.gateway.listManagedJobs();
    expect(listed.find((job) => job.name === ref.name)).toMatchObject({ runId: ref.runId, epoch: 1, phase: 'succeeded' });
  });

  it('follows a running pod log as it is written, and stops with the partial last line when aborted', async () => {
    const { ref } = await startJob("let i = 0; const t = setInterval(() => { i += 1; process.stdout.write(i < 3 ? `live${i}\\n` : 'partial'); if (i === 3) clearInterval(t); }, 100); setTimeout(() => {}, 30000)");
    const [pod] = await vi.waitFor(async () => {
      const pods = await k.gateway.listJobPods(ref);
      expect(pods[0]?.status?.phase).toBe('Running');
      return pods;
    }, WAIT);
    const lines: string[] = [];
    const controller = new AbortController();
    const following = k.gateway.followPodLog(ref, pod?.metadata?.name ?? '', (line) => lines.push(line), controller.signal);
    await vi.waitFor(() => expect(lines).toEqual(['live1', 'live2']), WAIT);
    // The pod has written the partial line: read through the API, which answers after
    // the same bytes went out on the follow stream opened earlier.
    await vi.waitFor(async () => expect(await k.core.readNamespacedPodLog({ namespace: ref.namespace, name: pod?.metadata?.name ?? '' })).toMatch(/partial$/), WAIT);
    controller.abort();
    await following;
    expect(lines).toEqual(['live1', 'live2', 'partial']);
    await k.gateway.deleteJob(ref.namespace, ref.name);
  });

  it('reports a pod log that cannot be read with the HTTP status, and follows again on the same credentials', async () => {
    const { ref } = await startJob("console.log('again')");
    await expect(k.gateway.followPodLog(ref, 'no-such-pod', () => undefined, new AbortController().signal)).rejects.toThrow(/follow log of .*: HTTP 404/);
    await k.gateway.waitForJobOutcome(ref, new AbortController().signal);
    const [pod] = await k.gateway.listJobPods(ref);
    for (let i = 0; i < 3; i += 1) {
      const lines: string[] = [];
      await k.gateway.followPodLog(ref, pod?.metadata?.name ?? '', (line) => lines.push(line), new AbortController().signal);
      expect(lines).toEqual(['again']);
    }
  });

  it('reports a failing command as failed with the condition reason', async () => {
    const { ref } = await startJob("console.error('bad things');process.exit(3)");
    const outcome = await k.gateway.waitForJobOutcome(ref, new AbortController().signal);
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/^BackoffLimitExceeded/);
  });

  it('reports a job past its activeDeadlineSeconds as timed_out', async () => {
    const { ref } = await startJob('setTimeout(() => {}, 30000)', 1);
    const outcome = await k.gateway.waitForJobOutcome(ref, new AbortController().signal);
    expect(outcome).toEqual({ status: 'timed_out', reason: 'DeadlineExceeded: Job was active longer than specified deadline' });
  });

  it('stops waiting when aborted', async () => {
    const { ref } = await startJob('setTimeout(() => {}, 5000)');
    const controller = new AbortController();
    const waiting = k.gateway.waitForJobOutcome(ref, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toThrow();
  });

  it('counts a namespace with a live run job as busy, and not once the job is done', async () => {
    const { namespace, ref } = await startJob('setTimeout(() => {}, 700)');
    expect(await k.gateway.listBusyNamespaces()).toContain(namespace);
    await k.gateway.waitForJobOutcome(ref, new AbortController().signal);
    await vi.waitFor(async () => expect(await k.gateway.listBusyNamespaces()).not.toContain(namespace), WAIT);
  });

  it('guards namespace patches and deletes with the resourceVersion they were decided on', async () => {
    const { namespace } = await materialized();
    const snapshot = await k.gateway.readNamespace(namespace);
    const rv = snapshot?.resourceVersion ?? '';
    expect(await k.gateway.patchNamespaceAnnotations(namespace, { 'stageline.dev/namespace-lease-ttl': '1h0m0s' }, rv)).toBe('done');
    expect(await k.gateway.patchNamespaceAnnotations(namespace, { x: 'y' }, rv)).toBe('conflict');
    expect(await k.gateway.deleteNamespace(namespace, { uid: snapshot?.uid ?? '', resourceVersion: rv })).toBe('conflict');
    const fresh = await k.gateway.readNamespace(namespace);
    expect(await k.gateway.deleteNamespace(namespace, { uid: fresh?.uid ?? '', resourceVersion: fresh?.resourceVersion ?? '' })).toBe('done');
    expect(await k.gateway.patchNamespaceAnnotations('stageline-issue-nope', {}, '1')).toBe('not_found');
  });
});
