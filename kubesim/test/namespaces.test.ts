import { Watch } from '@kubernetes/client-node';
import type { V1Namespace } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { apiError, nodeJob, startHarness, uniqueName, waitFor } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('deleting a namespace turns it Terminating, kills its processes, removes its content, then itself', async () => {
  const ns = uniqueName('doomed');
  await h.core.createNamespace({ body: { metadata: { name: ns } } });
  await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' }, stringData: { a: 'b' } } });
  await h.rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'r' }, rules: [] } });
  const pidFile = join(h.workDir, `${ns}.pid`);
  const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
  await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('forever', script) });
  const pid = await waitFor('pid file', async () => Number(await readFile(pidFile, 'utf8')) || undefined);
  expect(isAlive(pid)).toBe(true);

  const phases: string[] = [];
  const list = await h.core.listNamespace();
  const controller = await new Watch(h.kc).watch(
    '/api/v1/namespaces',
    { resourceVersion: list.metadata?.resourceVersion ?? '', fieldSelector: `metadata.name=${ns}` },
    (type, obj: V1Namespace) => phases.push(`${type}:${obj.status?.phase ?? ''}`),
    () => undefined,
  );
  // The reply is the Terminating Namespace; client-node types it as V1Status, so check via the watch below.
  await h.core.deleteNamespace({ name: ns });

  await waitFor('namespace to disappear', async () => ((await apiError(h.core.readNamespace({ name: ns }))).code === 404 ? true : undefined));
  controller.abort();
  expect(isAlive(pid)).toBe(false);
  expect(phases[0]).toBe('MODIFIED:Terminating');
  expect(phases[phases.length - 1]).toBe('DELETED:Terminating');
  expect((await h.core.listSecretForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toEqual([]);
  expect((await h.batch.listJobForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toEqual([]);
  expect((await h.core.listPodForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toEqual([]);
  expect((await h.rbac.listRoleForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` })).items).toEqual([]);
});

it('a namespace can be recreated after deletion finished', async () => {
  const ns = uniqueName('again');
  await h.core.createNamespace({ body: { metadata: { name: ns } } });
  await h.core.deleteNamespace({ name: ns });
  await waitFor('gone', async () => ((await apiError(h.core.readNamespace({ name: ns }))).code === 404 ? true : undefined));
  const again = await h.core.createNamespace({ body: { metadata: { name: ns } } });
  expect(again.status?.phase).toBe('Active');
});

it('close() kills running pod processes', async () => {
  const own = await startHarness();
  const ns = uniqueName('closing');
  await own.core.createNamespace({ body: { metadata: { name: ns } } });
  const pidFile = join(own.workDir, 'close.pid');
  const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
  await own.batch.createNamespacedJob({ namespace: ns, body: nodeJob('forever', script) });
  const pid = await waitFor('pid file', async () => Number(await readFile(pidFile, 'utf8')) || undefined);
  await own.sim.close();
  await waitFor('process to die', () => (isAlive(pid) ? undefined : true));
});
