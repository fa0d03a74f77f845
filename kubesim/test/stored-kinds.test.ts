// Kinds kubesim stores without a controller (Services, CronJobs): what a Helm
// chart ships besides its workload must install, read back and be validated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { apiError, startHarness, statusBody, uniqueName } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});

describe('stored kinds', () => {
  it('creates, lists and validates Services', async () => {
    const namespace = uniqueName('svc');
    await h.core.createNamespace({ body: { metadata: { name: namespace } } });
    await h.core.createNamespacedService({ namespace, body: { metadata: { name: 'metrics' }, spec: { ports: [{ name: 'http', port: 9090 }], selector: { app: 'a' } } } });
    const list = await h.core.listNamespacedService({ namespace });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['metrics']);
    const bad = await apiError(h.core.createNamespacedService({ namespace, body: { metadata: { name: 'Bad_Name' }, spec: { ports: [{ port: 1 }] } } }));
    expect(bad.code).toBe(422);
    const wrongType = await apiError(h.core.createNamespacedService({ namespace, body: { metadata: { name: 'x' }, spec: { ports: [{ port: 'http' as unknown as number }] } } }));
    expect(statusBody(wrongType)).toMatchObject({ reason: 'Invalid' });
  });

  it('creates CronJobs without running them', async () => {
    const namespace = uniqueName('cron');
    await h.core.createNamespace({ body: { metadata: { name: namespace } } });
    await h.batch.createNamespacedCronJob({
      namespace,
      body: {
        metadata: { name: 'sweep' },
        spec: { schedule: '*/15 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'sweep', image: 'agent:1', command: ['true'] }] } } } } },
      },
    });
    expect((await h.batch.readNamespacedCronJob({ namespace, name: 'sweep' })).spec?.schedule).toBe('*/15 * * * *');
    expect((await h.batch.listNamespacedJob({ namespace })).items).toEqual([]);
    const missing = await apiError(h.batch.createNamespacedCronJob({ namespace, body: { metadata: { name: 'nojob' }, spec: { schedule: '* * * * *' } as never } }));
    expect(missing.code).toBe(422);
  });
});
