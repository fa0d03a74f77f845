import { Watch, makeInformer, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { startHarness, uniqueName, waitFor } from './harness.ts';

interface Seen {
  type: string;
  name: string | undefined;
  rv: string | undefined;
  code?: number;
  reason?: string;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ watchHistorySize: 50 });
});
afterAll(async () => {
  await h.sim.close();
});

async function namespace(): Promise<string> {
  const name = uniqueName('watch');
  await h.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Starts a client-node Watch and collects its events until `done` fires. */
async function collect(path: string, query: Record<string, string | number | boolean>): Promise<{ seen: Seen[]; done: Promise<unknown>; abort: () => void }> {
  const seen: Seen[] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const controller = await new Watch(h.kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string }) => {
      seen.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, code: obj.code, reason: obj.reason });
    },
    (err) => finish(err ?? 'closed'),
  );
  return { seen, done, abort: () => controller.abort() };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED after the given resourceVersion', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' } } });
    const list = await h.core.listNamespacedConfigMap({ namespace: ns });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata?.resourceVersion ?? '' });
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c1' } } });
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'c1', body: { data: { a: 'b' } } }, merge);
    await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'c1' });
    await waitFor('three events', () => (w.seen.length >= 3 ? true : undefined));
    w.abort();
    expect(w.seen.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:c1', 'MODIFIED:c1', 'DELETED:c1']);
    const versions = w.seen.map((e) => Number(e.rv));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('replays history from an older resourceVersion', async () => {
    const ns = await namespace();
    const first = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'h1' } } });
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'h2' } } });
    await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'h1' });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: first.metadata?.resourceVersion ?? '' });
    await waitFor('replayed events', () => (w.seen.length >= 2 ? true : undefined));
    w.abort();
    expect(w.seen.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:h2', 'DELETED:h1']);
  });

  it('answers a too-old resourceVersion with a 410 Expired ERROR event', async () => {
    const ns = await namespace();
    const first = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'old', labels: { n: '0' } } } });
    for (let i = 1; i <= 60; i++) {
      await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'old', body: { metadata: { labels: { n: String(i) } } } }, merge);
    }
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: first.metadata?.resourceVersion ?? '' });
    await w.done;
    expect(w.seen).toEqual([expect.objectContaining({ type: 'ERROR', code: 410, reason: 'Expired' })]);
  });

  it('without a resourceVersion starts with synthetic ADDED events for what exists', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'exists' } } });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, {});
    await waitFor('initial event', () => (w.seen.length >= 1 ? true : undefined));
    w.abort();
    expect(w.seen.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:exists']);
  });

  it('honours timeoutSeconds by closing the stream', async () => {
    const ns = await namespace();
    const started = Date.now();
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { timeoutSeconds: 1 });
    expect(await w.done).toBe('closed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('applies label selectors: leaving the selection is DELETED, entering it is ADDED', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 's', labels: { pick: 'yes' } } } });
    const list = await h.core.listNamespacedConfigMap({ namespace: ns });
    const w = await collect(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: list.metadata?.resourceVersion ?? '', labelSelector: 'pick=yes' });
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other', labels: { pick: 'no' } } } });
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 's', body: { metadata: { labels: { pick: 'no' } } } }, merge);
    await h.core.patchNamespacedConfigMap({ namespace: ns, name: 'other', body: { metadata: { labels: { pick: 'yes' } } } }, merge);
    await waitFor('two events', () => (w.seen.length >= 2 ? true : undefined));
    w.abort();
    expect(w.seen.map((e) => `${e.type}:${e.name}`)).toEqual(['DELETED:s', 'ADDED:other']);
  });

  it('feeds makeInformer: list, then watch', async () => {
    const ns = await namespace();
    await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'listed' } } });
    const informer = makeInformer<V1ConfigMap & KubernetesObject>(h.kc, `/api/v1/namespaces/${ns}/configmaps`, () => h.core.listNamespacedConfigMap({ namespace: ns }));
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (obj) => added.push(obj.metadata?.name ?? ''));
    informer.on('delete', (obj) => deleted.push(obj.metadata?.name ?? ''));
    await informer.start();
    try {
      await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'watched' } } });
      await h.core.deleteNamespacedConfigMap({ namespace: ns, name: 'listed' });
      await waitFor('informer events', () => (added.includes('watched') && deleted.includes('listed') ? true : undefined));
      expect(added).toEqual(['listed', 'watched']);
      expect(informer.list(ns).map((o) => o.metadata?.name)).toEqual(['watched']);
    } finally {
      await informer.stop();
    }
  });
});
