/**
 * KubeGateway over @kubernetes/client-node 2.x, for a real API server or
 * kubesim. Create-or-adopt semantics make every call safe to repeat after an
 * agent restart (domain.md §5.4: "AlreadyExists on create = success").
 *
 * Job watching: list (for a resourceVersion), then Watch from it; a watch that
 * ends or fails resumes from the last seen resourceVersion after a backoff, a
 * 410 Gone re-lists.
 */
import {
  BatchV1Api,
  CoreV1Api,
  Log,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1Job,
  type V1Namespace,
} from '@kubernetes/client-node';
import { err, ok } from '@stageline/policy';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff } from '../connection/backoff.ts';
import type { Logger } from '../lib/log.ts';
import { toJobOutcome, toManagedJob } from './job-status.ts';
import { describeKubeError, kubeError, statusCodeOf } from './kube-errors.ts';
import type { EnsureJobResult, EnsureNamespaceResult, JobOutcome, JobRef, KubeGateway, ManagedJob } from './kube-gateway.ts';
import { createLineWritable } from './line-writable.ts';
import { LABEL_KEYS, MANAGED_JOB_SELECTOR, RUN_CONTAINER } from './manifests.ts';

export interface ClientNodeGatewayOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  random?: () => number;
  /** How often to look for the Job's pod before following its log. */
  podPollIntervalMs?: number;
}

type WatchResult =
  | { kind: 'outcome'; outcome: JobOutcome }
  | { kind: 'gone' }
  | { kind: 'ended'; resourceVersion: string }
  | { kind: 'error'; error: unknown; resourceVersion: string }
  | { kind: 'aborted' };

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const POD_STARTED = new Set(['Running', 'Succeeded', 'Failed']);

interface WatchedObject {
  code?: number;
  message?: string;
  metadata?: { name?: string; resourceVersion?: string };
}

export function createClientNodeGateway(options: ClientNodeGatewayOptions): KubeGateway {
  const { kubeConfig, log } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const watcher = new Watch(kubeConfig);
  const logs = new Log(kubeConfig);
  const random = options.random ?? Math.random;
  const podPollMs = options.podPollIntervalMs ?? 500;

  async function ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult> {
    const name = manifest.metadata?.name ?? '';
    try {
      await core.createNamespace({ body: manifest });
      return ok({ kind: 'created' });
    } catch (error) {
      if (statusCodeOf(error) !== 409) {
        throw kubeError(`create namespace ${name}`, error);
      }
    }
    const existing = await core.readNamespace({ name }).catch((error: unknown) => {
      throw kubeError(`read namespace ${name}`, error);
    });
    if (existing.metadata?.deletionTimestamp) {
      return err({ kind: 'terminating', name });
    }
    const body = { metadata: { labels: manifest.metadata?.labels ?? {}, annotations: manifest.metadata?.annotations ?? {} } };
    await core.patchNamespace({ name, body }, MERGE_PATCH).catch((error: unknown) => {
      throw kubeError(`patch namespace ${name}`, error);
    });
    return ok({ kind: 'updated' });
  }

  async function ensureJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult> {
    const name = manifest.metadata?.name ?? '';
    try {
      const created = await batch.createNamespacedJob({ namespace, body: manifest });
      return ok({ kind: 'created', job: toManagedJob(created) });
    } catch (error) {
      if (statusCodeOf(error) !== 409) {
        throw kubeError(`create job ${namespace}/${name}`, error);
      }
    }
    const existing = await batch.readNamespacedJob({ name, namespace }).catch((error: unknown) => {
      throw kubeError(`read job ${namespace}/${name}`, error);
    });
    const wanted = manifest.metadata?.labels ?? {};
    const found = existing.metadata?.labels ?? {};
    if (found[LABEL_KEYS.runId] !== wanted[LABEL_KEYS.runId]) {
      return err({ kind: 'owned_by_other_run', name, otherRunId: found[LABEL_KEYS.runId] });
    }
    const epoch = wanted[LABEL_KEYS.leaseEpoch];
    if (epoch !== undefined && found[LABEL_KEYS.leaseEpoch] !== epoch) {
      // The new lease holder stamps its epoch so a later restart adopts with the right one.
      const patched = await batch
        .patchNamespacedJob({ name, namespace, body: { metadata: { labels: { [LABEL_KEYS.leaseEpoch]: epoch } } } }, MERGE_PATCH)
        .catch((error: unknown) => {
          throw kubeError(`patch job ${namespace}/${name}`, error);
        });
      return ok({ kind: 'adopted', job: toManagedJob(patched) });
    }
    return ok({ kind: 'adopted', job: toManagedJob(existing) });
  }

  async function listManagedJobs(): Promise<ManagedJob[]> {
    const list = await batch.listJobForAllNamespaces({ labelSelector: MANAGED_JOB_SELECTOR }).catch((error: unknown) => {
      throw kubeError('list managed jobs', error);
    });
    return list.items.map(toManagedJob);
  }

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

  /** The Job's pod once it runs (or already finished); undefined when aborted. */
  async function waitForPod(ref: JobRef, signal: AbortSignal): Promise<string | undefined> {
    while (!signal.aborted) {
      try {
        const pods = await core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `${LABEL_KEYS.jobName}=${ref.name}` });
        const started = pods.items.find((pod) => POD_STARTED.has(pod.status?.phase ?? ''));
        if (started?.metadata?.name) {
          return started.metadata.name;
        }
      } catch (error) {
        log.debug('listing job pods failed', { runId: ref.runId, reason: describeKubeError(error) });
      }
      await sleep(podPollMs, undefined, { signal }).catch(() => undefined);
    }
    return undefined;
  }

  async function followJobLog(ref: JobRef, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const pod = await waitForPod(ref, signal);
    if (pod === undefined) {
      return;
    }
    const sink = createLineWritable(onLine);
    const ended = new Promise<void>((resolve) => {
      sink.once('finish', resolve);
      sink.once('close', resolve);
      sink.once('error', () => resolve());
    });
    let controller: AbortController;
    try {
      controller = await logs.log(ref.namespace, pod, RUN_CONTAINER, sink, { follow: true });
    } catch (error) {
      throw kubeError(`follow log of ${ref.namespace}/${pod}`, error);
    }
    const stop = (): void => {
      controller.abort();
      // An aborted source does not end the pipe; end it so the last partial line is delivered.
      sink.end();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      await ended;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  return { ensureNamespace, ensureJob, listManagedJobs, waitForJobOutcome, followJobLog };
}
