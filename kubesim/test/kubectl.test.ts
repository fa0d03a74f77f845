/**
 * The acceptance test with the real kubectl binary ($KUBECTL or kubectl on PATH).
 * Nothing is skipped: without kubectl these tests fail and say so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { apiError, nodeJob, startHarness, waitFor } from './harness.ts';

const run = promisify(execFile);
const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

let h: Harness;
let kubeconfigPath: string;
let cacheDir: string;

async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args], { timeout: 15_000 });
    return stdout;
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      throw new Error(`kubectl not found (tried "${KUBECTL}"); install it or set KUBECTL to its path`, { cause: err });
    }
    throw err;
  }
}

beforeAll(async () => {
  h = await startHarness();
  const dir = await mkdtemp(join(tmpdir(), 'kubesim-kubectl-'));
  kubeconfigPath = join(dir, 'kubeconfig.yaml');
  cacheDir = join(dir, 'cache');
  await h.sim.writeKubeconfig(kubeconfigPath);
  await h.core.createNamespace({ body: { metadata: { name: 'kc-demo' } } });
  await h.batch.createNamespacedJob({ namespace: 'kc-demo', body: nodeJob('kc-job', "console.log('from kubectl test')") });
  await waitFor('job to complete', async () => {
    const job = await h.batch.readNamespacedJob({ namespace: 'kc-demo', name: 'kc-job' });
    return job.status?.succeeded === 1 ? job : undefined;
  });
});

afterAll(async () => {
  await h.sim.close();
});

it('kubectl get ns,jobs,pods -A lists the namespace, job and pod', async () => {
  const [pod] = (await h.core.listNamespacedPod({ namespace: 'kc-demo' })).items;
  const out = await kubectl('get', 'ns,jobs,pods', '-A');
  expect(out).toContain('namespace/kc-demo');
  expect(out).toMatch(/kc-demo\s+job\.batch\/kc-job\s+Complete\s+1\/1/);
  expect(out).toMatch(new RegExp(`kc-demo\\s+pod/${pod?.metadata?.name ?? 'missing'}\\s+0/1\\s+Completed`));
});

it('kubectl logs prints the pod log', async () => {
  const [pod] = (await h.core.listNamespacedPod({ namespace: 'kc-demo' })).items;
  expect(await kubectl('logs', '-n', 'kc-demo', pod?.metadata?.name ?? 'missing')).toBe('from kubectl test\n');
  expect(await kubectl('logs', '-n', 'kc-demo', 'job/kc-job')).toBe('from kubectl test\n');
});

it('kubectl get -o json and short names work', async () => {
  const out = JSON.parse(await kubectl('get', 'po', '-n', 'kc-demo', '-o', 'json')) as { items: unknown[] };
  expect(out.items).toHaveLength(1);
});

it('kubectl delete ns waits until the namespace is gone', async () => {
  await h.core.createNamespace({ body: { metadata: { name: 'kc-gone' } } });
  expect(await kubectl('delete', 'ns', 'kc-gone')).toContain('namespace "kc-gone" deleted');
  expect((await apiError(h.core.readNamespace({ name: 'kc-gone' }))).code).toBe(404);
});

it('kubectl create namespace and secret: typed clients send protobuf, stored as the JSON clients read back', async () => {
  expect(await kubectl('create', 'namespace', 'kc-proto')).toContain('namespace/kc-proto created');
  expect(await kubectl('-n', 'kc-proto', 'create', 'secret', 'generic', 'token', '--from-literal=token=s3cr3t', '--type=example.dev/token')).toContain('secret/token created');
  expect(await kubectl('-n', 'kc-proto', 'create', 'configmap', 'settings', '--from-literal=mode=fast')).toContain('configmap/settings created');
  const secret = await h.core.readNamespacedSecret({ namespace: 'kc-proto', name: 'token' });
  expect(secret.type).toBe('example.dev/token');
  expect(Buffer.from(secret.data?.['token'] ?? '', 'base64').toString()).toBe('s3cr3t');
  expect((await h.core.readNamespacedConfigMap({ namespace: 'kc-proto', name: 'settings' })).data).toEqual({ mode: 'fast' });
  // A delete sends DeleteOptions in protobuf too.
  expect(await kubectl('-n', 'kc-proto', 'delete', 'secret', 'token')).toContain('secret "token" deleted');
  expect((await apiError(h.core.readNamespacedSecret({ namespace: 'kc-proto', name: 'token' }))).code).toBe(404);
});
