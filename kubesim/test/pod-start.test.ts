/**
 * What keeps a pod from starting: the scheduler finds no node for its
 * nodeSelector, or the kubelet cannot pull its image.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { startHarness, uniqueName, waitFor } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ restartBackoffMs: 200 });
});
afterAll(async () => {
  await h.sim.close();
});

async function namespace(): Promise<string> {
  const name = uniqueName('start');
  await h.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function pod(name: string, image: string, nodeSelector?: Record<string, string>): V1Pod {
  return {
    metadata: { name },
    spec: { restartPolicy: 'Never', nodeSelector, containers: [{ name: 'main', image, command: [process.execPath, '-e', "console.log('ran')"] }] },
  };
}

async function waitingReason(ns: string, name: string, reason: string): Promise<V1Pod> {
  return waitFor(`pod ${name} waiting with ${reason}`, async () => {
    const read = await h.core.readNamespacedPod({ namespace: ns, name });
    return read.status?.containerStatuses?.[0]?.state?.waiting?.reason === reason ? read : undefined;
  });
}

async function eventReasons(ns: string, name: string): Promise<string[]> {
  const events = await h.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
  return events.items.map((e) => e.reason ?? '');
}

describe('image pulls', () => {
  it('reports ErrImagePull, then ImagePullBackOff, then pulls again, and never starts the container', async () => {
    const ns = await namespace();
    await h.core.createNamespacedPod({ namespace: ns, body: pod('nopull', 'ghcr.io/acme/runner:missing') });
    const first = await waitingReason(ns, 'nopull', 'ErrImagePull');
    expect(first.status?.phase).toBe('Pending');
    expect(first.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/runner:missing": failed to resolve reference "ghcr.io/acme/runner:missing": ghcr.io/acme/runner:missing: not found',
    );
    const backoff = await waitingReason(ns, 'nopull', 'ImagePullBackOff');
    expect(backoff.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('Back-off pulling image "ghcr.io/acme/runner:missing"');
    expect(backoff.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    await waitingReason(ns, 'nopull', 'ErrImagePull');
    const reasons = await eventReasons(ns, 'nopull');
    expect(reasons.filter((r) => r === 'Failed').length).toBeGreaterThanOrEqual(2);
    expect(reasons).toContain('BackOff');
    expect(backoff.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await h.core.deleteNamespacedPod({ namespace: ns, name: 'nopull' });
    await waitFor('pod gone', async () => ((await h.core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined));
  });

  it('reports a malformed reference as InvalidImageName and does not retry', async () => {
    const ns = await namespace();
    // A pod whose pull fails and is retried, created alongside: once it has been
    // pulled again, a retry of the malformed one would have happened too.
    await h.core.createNamespacedPod({ namespace: ns, body: pod('badname', 'Acme/Runner') });
    await h.core.createNamespacedPod({ namespace: ns, body: pod('retried', 'ghcr.io/acme/runner:missing') });
    const read = await waitingReason(ns, 'badname', 'InvalidImageName');
    expect(read.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'Failed to apply default image tag "Acme/Runner": couldn\'t parse image name "Acme/Runner": invalid reference format',
    );
    await waitFor('the other pod pulled again', async () => ((await eventReasons(ns, 'retried')).filter((r) => r === 'Failed').length >= 2 ? true : undefined));
    expect(await eventReasons(ns, 'badname')).toEqual(['InspectFailed']);
  });
});

describe('scheduling', () => {
  it('leaves a pod whose nodeSelector matches no node Pending and Unschedulable', async () => {
    const ns = await namespace();
    await h.core.createNamespacedPod({ namespace: ns, body: pod('nowhere', 'node:22', { disktype: 'ssd' }) });
    const read = await waitFor('unschedulable', async () => {
      const p = await h.core.readNamespacedPod({ namespace: ns, name: 'nowhere' });
      return p.status?.conditions?.some((c) => c.type === 'PodScheduled') ? p : undefined;
    });
    expect(read.status?.phase).toBe('Pending');
    expect(read.spec?.nodeName).toBeUndefined();
    expect(read.status?.conditions).toEqual([
      expect.objectContaining({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
      }),
    ]);
    expect(read.status?.containerStatuses).toBeUndefined();
    expect(await eventReasons(ns, 'nowhere')).toEqual(['FailedScheduling']);
    await h.core.deleteNamespacedPod({ namespace: ns, name: 'nowhere' });
    await waitFor('pod gone', async () => ((await h.core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined));
  });

  it('schedules a pod whose nodeSelector matches the node labels', async () => {
    const ns = await namespace();
    const node = (await h.core.listNode()).items[0];
    expect(node?.metadata?.labels).toMatchObject({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
    await h.core.createNamespacedPod({ namespace: ns, body: pod('fits', 'node:22', { 'kubernetes.io/os': 'linux' }) });
    const done = await waitFor('pod succeeded', async () => {
      const p = await h.core.readNamespacedPod({ namespace: ns, name: 'fits' });
      return p.status?.phase === 'Succeeded' ? p : undefined;
    });
    expect(done.spec?.nodeName).toBe('kubesim');
  });
});
