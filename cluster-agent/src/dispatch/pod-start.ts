/**
 * Waits for a run Job's pod to start (then its log is followed) or to be stuck
 * past the grace period (kube/pod-health.ts). The pods come from the shared
 * pod watch, so each change is assessed as it happens; while a stuck condition
 * is counting down, one timer per run fires when its grace would run out, as
 * nothing may change in the meantime. Run pods use restartPolicy Never, so
 * nothing can go stuck after a start and the subscription ends there.
 */
import type { JobRef, KubeGateway } from '../kube/kube-gateway.ts';
import { assessPods, type PodVerdict, type PodView } from '../kube/pod-health.ts';

export interface PodStartOptions {
  gateway: KubeGateway;
  ref: JobRef;
  graceMs: number;
  now: () => number;
  signal: AbortSignal;
}

/** Resolves with `started` or `stuck`; with `pending` only when aborted. */
export function watchPodStart(options: PodStartOptions): Promise<PodVerdict> {
  const { signal, graceMs, now } = options;
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ kind: 'pending' });
      return;
    }
    const local = new AbortController();
    let memory: ReadonlyMap<string, number> = new Map();
    let pods: readonly PodView[] = [];
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (verdict: PodVerdict): void => {
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      local.abort();
      resolve(verdict);
    };
    const onAbort = (): void => settle({ kind: 'pending' });
    const assess = (): void => {
      if (settled) {
        return;
      }
      clearTimeout(timer);
      timer = undefined;
      const at = now();
      const assessed = assessPods(pods, memory, at, graceMs);
      memory = assessed.memory;
      if (assessed.verdict.kind !== 'pending') {
        settle(assessed.verdict);
        return;
      }
      if (memory.size > 0) {
        const firstSince = Math.min(...memory.values());
        timer = setTimeout(assess, Math.max(1, firstSince + graceMs - at));
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    options.gateway.watchJobPods(
      options.ref,
      (next) => {
        pods = next;
        assess();
      },
      local.signal,
    );
  });
}
