import { KubeConfig, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { apiError, nodeJob, startHarness, statusBody, uniqueName } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});

async function namespace(): Promise<string> {
  const name = uniqueName('obj');
  await h.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

describe('create and read', () => {
  it('sets uid, resourceVersion, creationTimestamp and namespace defaults', async () => {
    const name = await namespace();
    const ns = await h.core.readNamespace({ name });
    expect(ns.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(ns.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(ns.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(ns.status?.phase).toBe('Active');
    expect(ns.metadata?.labels?.['kubernetes.io/metadata.name']).toBe(name);
    const sa = await h.core.readNamespacedServiceAccount({ namespace: name, name: 'default' });
    expect(sa.metadata?.namespace).toBe(name);
  });

  it('keeps one increasing resourceVersion across kinds', async () => {
    const ns = await namespace();
    const a = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' }, data: { k: 'v' } } });
    const b = await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'b' }, stringData: { token: 's3cret' } } });
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));
    // stringData is write-only: folded into base64 data.
    expect(b.data).toEqual({ token: Buffer.from('s3cret').toString('base64') });
    expect(b.type).toBe('Opaque');
  });

  it('creates RBAC, network, policy and apps objects', async () => {
    const ns = await namespace();
    const rule = { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list'] };
    await h.rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'runner' }, rules: [rule] } });
    const subject = { kind: 'ServiceAccount', name: 'default', namespace: ns };
    await h.rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'runner' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'runner' }, subjects: [subject] } });
    const cr = uniqueName('cr');
    await h.rbac.createClusterRole({ body: { metadata: { name: cr }, rules: [rule] } });
    await h.rbac.createClusterRoleBinding({ body: { metadata: { name: cr }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: cr }, subjects: [subject] } });
    await h.net.createNamespacedNetworkPolicy({ namespace: ns, body: { metadata: { name: 'deny' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } } });
    await h.core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'q' }, spec: { hard: { pods: '4' } } } });
    await h.core.createNamespacedLimitRange({ namespace: ns, body: { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', _default: { cpu: '500m' } }] } } });
    expect((await h.rbac.listNamespacedRoleBinding({ namespace: ns })).items.map((r) => r.metadata?.name)).toEqual(['runner']);
    expect((await h.rbac.readClusterRoleBinding({ name: cr })).roleRef.name).toBe(cr);
    expect((await h.net.readNamespacedNetworkPolicy({ namespace: ns, name: 'deny' })).spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect((await h.core.listNamespacedLimitRange({ namespace: ns })).items).toHaveLength(1);
  });

  it('applies Job defaults, selector and template labels', async () => {
    const ns = await namespace();
    const job = await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('defaults', 'process.exit(0)', { suspend: true }) });
    const uid = job.metadata?.uid ?? '';
    expect(job.spec?.completions).toBe(1);
    expect(job.spec?.parallelism).toBe(1);
    expect(job.metadata?.generation).toBe(1);
    expect(job.spec?.selector?.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': uid });
    expect(job.spec?.template.metadata?.labels).toMatchObject({ role: 'runner', 'job-name': 'defaults', 'controller-uid': uid });
  });
});

describe('errors are Status objects', () => {
  it('409 AlreadyExists', async () => {
    const ns = await namespace();
    const err = await apiError(h.core.createNamespace({ body: { metadata: { name: ns } } }));
    expect(err.code).toBe(409);
    expect(statusBody(err)).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      message: `namespaces "${ns}" already exists`,
      details: { name: ns, kind: 'namespaces' },
      code: 409,
    });
  });

  it('404 NotFound, with the group for grouped resources', async () => {
    const ns = await namespace();
    const err = await apiError(h.batch.readNamespacedJob({ namespace: ns, name: 'missing' }));
    expect(err.code).toBe(404);
    expect(statusBody(err)).toMatchObject({ reason: 'NotFound', message: 'jobs.batch "missing" not found', details: { name: 'missing', group: 'batch', kind: 'jobs' } });
  });

  it('404 for the namespace when creating into one that does not exist', async () => {
    const err = await apiError(h.core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }));
    expect(err.code).toBe(404);
    expect(statusBody(err)).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found', details: { name: 'nowhere', kind: 'namespaces' } });
  });

  it('422 Invalid for names that are not DNS-1123', async () => {
    const bad = await apiError(h.core.createNamespace({ body: { metadata: { name: 'Bad_Name' } } }));
    expect(bad.code).toBe(422);
    expect(statusBody(bad)).toMatchObject({ reason: 'Invalid', details: { name: 'Bad_Name', kind: 'Namespace' } });
    expect(String(statusBody(bad)['message'])).toContain('Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label');
    const dotted = await apiError(h.core.createNamespace({ body: { metadata: { name: 'a.b' } } }));
    expect(dotted.code).toBe(422);
    const ns = await namespace();
    const long = await apiError(h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('j'.repeat(64), 'process.exit(0)') }));
    expect(String(statusBody(long)['message'])).toContain('must be no more than 63 characters');
    // Subdomains allow dots for most kinds.
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a.b' } } });
  });

  it('422 Invalid with the schema message from kubernetes-models', async () => {
    const ns = await namespace();
    const body = { ...nodeJob('typed', 'process.exit(0)'), spec: { ...nodeJob('typed', '').spec, backoffLimit: 'three' } } as unknown as V1Job;
    const err = await apiError(h.batch.createNamespacedJob({ namespace: ns, body }));
    expect(err.code).toBe(422);
    const status = statusBody(err);
    expect(status).toMatchObject({ reason: 'Invalid', details: { name: 'typed', group: 'batch', kind: 'Job' } });
    expect(String(status['message'])).toContain('spec.backoffLimit: Invalid value: "three": must be integer');
    const noContainers = { metadata: { name: 'empty' }, spec: { template: { spec: { restartPolicy: 'Never' } } } } as unknown as V1Job;
    const missing = await apiError(h.batch.createNamespacedJob({ namespace: ns, body: noContainers }));
    expect(String(statusBody(missing)['message'])).toContain('spec.template.spec.containers: Required value');
  });

  it('422 for bad label syntax and for a Job restartPolicy of Always', async () => {
    const ns = await namespace();
    const labels = await apiError(h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'l', labels: { 'bad key!': 'x' } } } }));
    expect(labels.code).toBe(422);
    expect(String(statusBody(labels)['message'])).toContain('metadata.labels: Invalid value: "bad key!"');
    const value = await apiError(h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'v', labels: { ok: 'spaces are bad' } } } }));
    expect(value.code).toBe(422);
    const job = nodeJob('always', 'process.exit(0)');
    const spec = job.spec?.template.spec;
    if (spec) {
      delete spec.restartPolicy;
    }
    const restart = await apiError(h.batch.createNamespacedJob({ namespace: ns, body: job }));
    expect(String(statusBody(restart)['message'])).toContain('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });

  it('409 Conflict when a PUT carries a stale resourceVersion', async () => {
    const ns = await namespace();
    const cm = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' }, data: { v: '1' } } });
    const updated = await h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'c', body: { ...cm, data: { v: '2' } } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
    const err = await apiError(h.core.replaceNamespacedConfigMap({ namespace: ns, name: 'c', body: { ...cm, data: { v: '3' } } }));
    expect(err.code).toBe(409);
    expect(statusBody(err)).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('403 Forbidden when creating in a Terminating namespace', async () => {
    const ns = await namespace();
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'keep', finalizers: ['example.com/hold'] } } });
    await h.core.deleteNamespace({ name: ns });
    const err = await apiError(h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } }));
    expect(err.code).toBe(403);
    expect(statusBody(err)).toMatchObject({ reason: 'Forbidden', message: `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated` });
  });

  it('401 without a bearer token, and with the wrong one when a token is configured', async () => {
    const plain = await fetch(`${h.sim.url}/api/v1/namespaces`);
    expect(plain.status).toBe(401);
    expect(await plain.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const ok = await fetch(`${h.sim.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer anything' } });
    expect(ok.status).toBe(200);
    const locked = await startHarness({ token: 'right' });
    try {
      await locked.core.listNamespace();
      const wrong = new KubeConfig();
      wrong.loadFromString(locked.sim.kubeconfig().replace('"right"', '"wrong"'));
      expect((await apiError(wrong.makeApiClient(CoreV1Api).listNamespace())).code).toBe(401);
    } finally {
      await locked.sim.close();
    }
  });

  it('405 MethodNotAllowed for POST on a named object', async () => {
    const res = await fetch(`${h.sim.url}/api/v1/namespaces/default`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{}' });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('update, patch and delete', () => {
  it('merge patch, strategic merge patch and JSON patch', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'p', labels: { a: '1' } }, data: { x: '1', y: '2' } } });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const merged = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'p', body: { data: { y: null, z: '3' } } }, merge);
    expect(merged.data).toEqual({ x: '1', z: '3' });
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const labelled = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'p', body: { metadata: { labels: { b: '2' } } } }, strategic);
    expect(labelled.metadata?.labels).toEqual({ a: '1', b: '2' });
    const jsonPatch = await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'p', body: [{ op: 'replace', path: '/data/x', value: '9' }, { op: 'remove', path: '/metadata/labels/a' }] });
    expect(jsonPatch.data).toEqual({ x: '9', z: '3' });
    expect(jsonPatch.metadata?.labels).toEqual({ b: '2' });
  });

  it('bumps generation on spec changes only, and keeps status on the main resource', async () => {
    const ns = await namespace();
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('gen', 'process.exit(0)', { suspend: true }) });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const labelled = await h.batch.patchNamespacedJob({ namespace: ns, name: 'gen', body: { metadata: { labels: { x: 'y' } } } }, merge);
    expect(labelled.metadata?.generation).toBe(1);
    const changed = await h.batch.patchNamespacedJob({ namespace: ns, name: 'gen', body: { spec: { activeDeadlineSeconds: 100 }, status: { succeeded: 5 } } }, merge);
    expect(changed.metadata?.generation).toBe(2);
    expect(changed.status?.succeeded).toBeUndefined();
    const immutable = await apiError(h.batch.patchNamespacedJob({ namespace: ns, name: 'gen', body: { spec: { template: { spec: { restartPolicy: 'OnFailure' } } } } }, merge));
    expect(immutable.code).toBe(422);
    expect(String(statusBody(immutable)['message'])).toContain('spec.template: Invalid value');
  });

  it('DELETE returns a Success Status and the object is gone', async () => {
    const ns = await namespace();
    const cm = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'gone' } } });
    const status = await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'gone' });
    expect(status).toMatchObject({ status: 'Success', details: { name: 'gone', kind: 'configmaps', uid: cm.metadata?.uid } });
    expect((await apiError(h.core.readNamespacedConfigMap({ namespace: ns, name: 'gone' }))).code).toBe(404);
  });

  it('objects with finalizers wait for them', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'held' });
    const held = await h.core.readNamespacedConfigMap({ namespace: ns, name: 'held' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'held', body: { metadata: { finalizers: null } } }, merge);
    expect((await apiError(h.core.readNamespacedConfigMap({ namespace: ns, name: 'held' }))).code).toBe(404);
  });
});

describe('list', () => {
  it('filters with label selectors: =, ==, !=, in, notin, exists, !key', async () => {
    const ns = await namespace();
    const make = (name: string, labels: Record<string, string>) => h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
    await make('a', { tier: 'web', env: 'prod' });
    await make('b', { tier: 'db', env: 'dev' });
    await make('c', { tier: 'cache' });
    const names = async (labelSelector: string) => (await h.core.listNamespacedConfigMap({ namespace: ns, labelSelector })).items.map((i) => i.metadata?.name);
    expect(await names('tier=web')).toEqual(['a']);
    expect(await names('tier==db')).toEqual(['b']);
    expect(await names('tier!=web')).toEqual(['b', 'c']);
    expect(await names('tier in (web, db)')).toEqual(['a', 'b']);
    expect(await names('tier notin (web,db)')).toEqual(['c']);
    expect(await names('env')).toEqual(['a', 'b']);
    expect(await names('!env')).toEqual(['c']);
    expect(await names('tier,env=dev')).toEqual(['b']);
    const bad = await apiError(h.core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier in web' }));
    expect(bad.code).toBe(400);
  });

  it('filters with field selectors and pages with limit/continue', async () => {
    const ns = await namespace();
    for (const name of ['p1', 'p2', 'p3']) {
      await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    }
    const byName = await h.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name=p2' });
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(['p2']);
    const notName = await h.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name!=p2' });
    expect(notName.items.map((i) => i.metadata?.name)).toEqual(['p1', 'p3']);
    const allNs = await h.core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
    expect(allNs.items).toHaveLength(3);
    const unsupported = await apiError(h.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'spec.foo=bar' }));
    expect(unsupported.code).toBe(400);
    const page1 = await h.core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(page1.items.map((i) => i.metadata?.name)).toEqual(['p1', 'p2']);
    expect(page1.metadata?.remainingItemCount).toBe(1);
    const page2 = await h.core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: page1.metadata?._continue });
    expect(page2.items.map((i) => i.metadata?.name)).toEqual(['p3']);
    expect(page2.metadata?._continue).toBeUndefined();
  });

  it('lists carry the current resourceVersion and the List kind', async () => {
    const ns = await namespace();
    const jobs = await h.batch.listNamespacedJob({ namespace: ns });
    expect(jobs.kind).toBe('JobList');
    expect(Number(jobs.metadata?.resourceVersion)).toBeGreaterThan(0);
  });
});
