/**
 * The kubelet's image pulls for one pod, before any container is created.
 * A malformed reference waits as InvalidImageName for good; a missing image
 * waits as ErrImagePull, turns into ImagePullBackOff halfway through the
 * back-off, and is pulled again when it ends (the back-off doubles up to
 * 5 minutes, as the kubelet's does).
 */
import type { KubeObject } from './kube-object.ts';
import { pullImage, type ImagePull } from './image-registry.ts';
import { containersOf, type PodRun } from './pod-run.ts';
import type { ContainerRun } from './pod-status.ts';

export interface PullHooks {
  /** First back-off delay; the kubelet uses 10 s. */
  backoffMs: number;
  later(run: PodRun, ms: number, fn: () => void): void;
  writeStatus(run: PodRun): void;
  podEvent(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Try to start the pod again once the back-off has passed. */
  retry(run: PodRun): void;
}

interface FailedPull {
  c: ContainerRun;
  image: string;
  pulled: Exclude<ImagePull, { kind: 'ok' }>;
}

function failedPulls(run: PodRun, pod: KubeObject): FailedPull[] {
  return containersOf(pod).flatMap((container, i) => {
    const image = String(container['image'] ?? '');
    const pulled = pullImage(image);
    const c = run.runs[i];
    return pulled.kind === 'ok' || !c ? [] : [{ c, image, pulled }];
  });
}

/** True when every image is present; otherwise records the waiting reasons and schedules the retry. */
export function pullImages(run: PodRun, pod: KubeObject, hooks: PullHooks): boolean {
  const failures = failedPulls(run, pod);
  if (failures.length === 0) {
    return true;
  }
  run.pullBlocked = true;
  for (const { c, image, pulled } of failures) {
    const invalid = pulled.kind === 'invalid';
    c.waiting = { reason: invalid ? 'InvalidImageName' : 'ErrImagePull', message: pulled.message };
    hooks.podEvent(pod, 'Warning', invalid ? 'InspectFailed' : 'Failed', invalid ? pulled.message : `Failed to pull image "${image}": ${pulled.message}`);
  }
  hooks.writeStatus(run);
  const missing = failures.filter((f) => f.pulled.kind === 'missing');
  if (missing.length === 0) {
    return false;
  }
  const delayMs = Math.min(hooks.backoffMs * 2 ** run.pullFailures, 300_000);
  run.pullFailures += 1;
  hooks.later(run, delayMs / 2, () => {
    for (const { c, image } of missing) {
      c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
    }
    hooks.writeStatus(run);
    hooks.podEvent(pod, 'Normal', 'BackOff', `Back-off pulling image "${missing[0]?.image ?? ''}"`);
  });
  hooks.later(run, delayMs, () => {
    run.pullBlocked = false;
    hooks.retry(run);
  });
  return false;
}
