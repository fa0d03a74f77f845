/**
 * Waiting for a Job's outcome: every waiter listens on the one shared Job
 * informer (informer.ts) of this installation's Jobs, keyed by namespace/name.
 * A GET per waiter gives the state at the start, because the informer's cache
 * may not have a Job created a moment ago. A Job deleted before it finished is
 * a failed run (`job_deleted`); one that is not there at all is `job_not_found`.
 */
import { BatchV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff } from '../connection/backoff.ts';
import type { Logger } from '../lib/log.ts';
import { createInformer, type WatchedMeta } from './informer.ts';
import { toJobOutcome } from './job-status.ts';
import { describeKubeError, statusCodeOf } from './kube-errors.ts';
import type { JobOutcome, JobRef } from './kube-gateway.ts';
import { LABEL_KEYS, managedJobSelector } from './manifests.ts';

export type WaitForJobOutcome = (ref: JobRef, signal: AbortSignal) => Promise<JobOutcome>;

/** What the informer keeps per Job. */
interface JobView {
  runId: string | undefined;
  outcome: JobOutcome | undefined;
}

const toView = (job: V1Job): JobView => ({ runId: job.metadata?.labels?.[LABEL_KEYS.runId], outcome: toJobOutcome(job) });
const keyOf = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

export function createJobWatcher(kubeConfig: KubeConfig, log: Logger, random: () => number, installation: string): WaitForJobOutcome {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const labelSelector = managedJobSelector(installation);
  const informer = createInformer<JobView>({
    kubeConfig,
    log: log.with({ informer: 'jobs' }),
    random,
    path: '/apis/batch/v1/jobs',
    labelSelector,
    async list() {
      const list = await batch.listJobForAllNamespaces({ labelSelector });
      return { items: list.items as WatchedMeta[], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    groupOf: (obj) => keyOf(obj.metadata?.namespace, obj.metadata?.name),
    project: (obj) => toView(obj as V1Job),
  });

  /** The Job as it is now; undefined when it does not exist (or belongs to another run). */
  async function readJob(ref: JobRef, signal: AbortSignal): Promise<JobView | undefined> {
    const backoff = createBackoff(random, { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.2 });
    for (;;) {
      signal.throwIfAborted();
      try {
        const view = toView(await batch.readNamespacedJob({ namespace: ref.namespace, name: ref.name }));
        return view.runId === ref.runId ? view : undefined;
      } catch (error) {
        if (statusCodeOf(error) === 404) {
          return undefined;
        }
        log.warn('reading the job failed, retrying', { runId: ref.runId, job: ref.name, reason: describeKubeError(error) });
        await sleep(backoff.next(), undefined, { signal });
      }
    }
  }

  return (ref, signal) =>
    new Promise<JobOutcome>((resolve, reject) => {
      signal.throwIfAborted();
      let seen = false;
      let settled = false;
      const done = (finish: () => void): void => {
        if (!settled) {
          settled = true;
          unsubscribe();
          signal.removeEventListener('abort', onAbort);
          finish();
        }
      };
      const succeed = (outcome: JobOutcome): void => done(() => resolve(outcome));
      const onAbort = (): void => done(() => reject(signal.reason));
      const missing = (): JobOutcome =>
        seen
          ? { status: 'failed', reason: `job_deleted: job ${ref.name} was deleted before it finished` }
          : { status: 'failed', reason: `job_not_found: job ${ref.namespace}/${ref.name} does not exist` };
      const onView = (view: JobView | undefined, authoritative: boolean): void => {
        if (view) {
          seen = true;
          if (view.outcome) {
            succeed(view.outcome);
          }
        } else if (authoritative) {
          succeed(missing());
        }
      };
      const unsubscribe = informer.subscribe(keyOf(ref.namespace, ref.name), (views, authoritative) =>
        onView(
          views.find((view) => view.runId === ref.runId),
          authoritative,
        ),
      );
      signal.addEventListener('abort', onAbort, { once: true });
      // After subscribing, so no change between the read and the first event is missed.
      readJob(ref, signal).then(
        (view) => onView(view, true),
        // Only an abort ends the read loop, and onAbort has settled already.
        () => undefined,
      );
    });
}
