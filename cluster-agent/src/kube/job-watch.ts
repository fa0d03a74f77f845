/**
 * Waiting for a Job's outcome over the API: list (for a resourceVersion), then
 * Watch from it; a watch that ends or fails resumes from the last seen
 * resourceVersion after a backoff, a 410 Gone re-lists. A Job deleted before
 * it finished is a failed run (`job_deleted`).
 */
import { BatchV1Api, Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff } from '../connection/backoff.ts';
import type { Logger } from '../lib/log.ts';
import { toJobOutcome } from './job-status.ts';
import { describeKubeError, statusCodeOf } from './kube-errors.ts';
import type { JobOutcome, JobRef } from './kube-gateway.ts';
import { LABEL_KEYS } from './manifests.ts';

type WatchResult =
  | { kind: 'outcome'; outcome: JobOutcome }
  | { kind: 'gone' }
  | { kind: 'ended'; resourceVersion: string }
  | { kind: 'error'; error: unknown; resourceVersion: string }
  | { kind: 'aborted' };

interface WatchedObject {
  code?: number;
  message?: string;
  metadata?: { name?: string; resourceVersion?: string };
}

export type WaitForJobOutcome = (ref: JobRef, signal: AbortSignal) => Promise<JobOutcome>;

export function createJobWatcher(kubeConfig: KubeConfig, log: Logger, random: () => number): WaitForJobOutcome {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const watcher = new Watch(kubeConfig);

  function watchOnce(ref: JobRef, resourceVersion: string, signal: AbortSignal): Promise<WatchResult> {
    return new Promise((resolve) => {
      let lastVersion = resourceVersion;
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (result: WatchResult): void => {
        if (settled) {
          return;
        }
        settled = true;
        signal.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve(result);
      };
      const onAbort = (): void => finish({ kind: 'aborted' });
      signal.addEventListener('abort', onAbort, { once: true });
      const onEvent = (phase: string, raw: unknown): void => {
        const obj = (raw ?? {}) as WatchedObject;
        if (phase === 'ERROR') {
          finish(obj.code === 410 ? { kind: 'gone' } : { kind: 'error', error: new Error(obj.message ?? 'watch error'), resourceVersion: lastVersion });
          return;
        }
        lastVersion = obj.metadata?.resourceVersion ?? lastVersion;
        if (phase === 'BOOKMARK' || obj.metadata?.name !== ref.name) {
          return;
        }
        if (phase === 'DELETED') {
          finish({ kind: 'outcome', outcome: { status: 'failed', reason: `job_deleted: job ${ref.name} was deleted before it finished` } });
          return;
        }
        const outcome = toJobOutcome(raw as V1Job);
        if (outcome) {
          finish({ kind: 'outcome', outcome });
        }
      };
      const onDone = (error: unknown): void => {
        if (error && statusCodeOf(error) === 410) {
          finish({ kind: 'gone' });
        } else if (error instanceof Error && error.name === 'TimeoutError') {
          // client-node ends a watch after 30 s without events: a quiet Job, not a failure.
          finish({ kind: 'ended', resourceVersion: lastVersion });
        } else {
          finish(error ? { kind: 'error', error, resourceVersion: lastVersion } : { kind: 'ended', resourceVersion: lastVersion });
        }
      };
      const path = `/apis/batch/v1/namespaces/${ref.namespace}/jobs`;
      const params = { labelSelector: `${LABEL_KEYS.runId}=${ref.runId}`, resourceVersion, allowWatchBookmarks: true };
      watcher.watch(path, params, onEvent, onDone).then(
        (started) => {
          controller = started;
          if (settled) {
            started.abort();
          }
        },
        (error: unknown) => finish({ kind: 'error', error, resourceVersion: lastVersion }),
      );
    });
  }

  /** Current outcome and the list's resourceVersion, or a missing-Job failure. */
  async function listJob(ref: JobRef): Promise<{ outcome?: JobOutcome; resourceVersion: string }> {
    const list = await batch.listNamespacedJob({ namespace: ref.namespace, labelSelector: `${LABEL_KEYS.runId}=${ref.runId}` });
    const job = list.items.find((item) => item.metadata?.name === ref.name);
    const resourceVersion = list.metadata?.resourceVersion ?? '';
    if (!job) {
      return { outcome: { status: 'failed', reason: `job_not_found: job ${ref.namespace}/${ref.name} does not exist` }, resourceVersion };
    }
    return { outcome: toJobOutcome(job), resourceVersion };
  }

  async function waitForJobOutcome(ref: JobRef, signal: AbortSignal): Promise<JobOutcome> {
    const backoff = createBackoff(random, { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.2 });
    const wlog = log.with({ runId: ref.runId, job: ref.name });
    let resourceVersion: string | undefined;
    for (;;) {
      signal.throwIfAborted();
      if (resourceVersion === undefined) {
        try {
          const listed = await listJob(ref);
          if (listed.outcome) {
            return listed.outcome;
          }
          resourceVersion = listed.resourceVersion;
        } catch (error) {
          wlog.warn('listing the job failed, retrying', { reason: describeKubeError(error) });
          await sleep(backoff.next(), undefined, { signal });
          continue;
        }
      }
      const watchStarted = Date.now();
      const result = await watchOnce(ref, resourceVersion, signal);
      switch (result.kind) {
        case 'outcome':
          return result.outcome;
        case 'aborted':
          signal.throwIfAborted();
          break;
        case 'gone':
          wlog.info('job watch expired (410), re-listing');
          resourceVersion = undefined;
          break;
        case 'ended':
          resourceVersion = result.resourceVersion;
          // A watch that ends at once (a proxy cutting it) must not turn into a busy loop.
          if (Date.now() - watchStarted < 1000) {
            await sleep(backoff.next(), undefined, { signal });
          } else {
            backoff.reset();
          }
          break;
        case 'error':
          wlog.warn('job watch failed, resuming', { reason: describeKubeError(result.error) });
          resourceVersion = result.resourceVersion;
          await sleep(backoff.next(), undefined, { signal });
          break;
      }
    }
  }

  return waitForJobOutcome;
}
