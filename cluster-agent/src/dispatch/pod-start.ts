/**
 * Watches a run Job's pods until one has started (then its log is followed)
 * or is stuck past the grace period (kube/pod-health.ts). Polling only lasts
 * until the pod starts, so its cost is bounded by pods still pending; run
 * pods use restartPolicy Never, so nothing can go stuck after a start.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRef, KubeGateway } from '../kube/kube-gateway.ts';
import { describeKubeError } from '../kube/kube-errors.ts';
import { assessPods, type PodVerdict } from '../kube/pod-health.ts';
import type { Logger } from '../lib/log.ts';

export interface PodStartOptions {
  gateway: KubeGateway;
  ref: JobRef;
  graceMs: number;
  pollMs: number;
  now: () => number;
  log: Logger;
  signal: AbortSignal;
}

/** Resolves with `started` or `stuck`; with `pending` only when aborted. */
export async function watchPodStart(options: PodStartOptions): Promise<PodVerdict> {
  let memory: ReadonlyMap<string, number> = new Map();
  while (!options.signal.aborted) {
    try {
      const assessed = assessPods(await options.gateway.listJobPods(options.ref), memory, options.now(), options.graceMs);
      memory = assessed.memory;
      if (assessed.verdict.kind !== 'pending') {
        return assessed.verdict;
      }
    } catch (error) {
      options.log.debug('listing job pods failed', { reason: describeKubeError(error) });
    }
    await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return { kind: 'pending' };
}
