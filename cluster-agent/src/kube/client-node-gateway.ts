/**
 * KubeGateway over @kubernetes/client-node 2.x, for a real API server or
 * kubesim. Create-or-adopt and create-or-merge-patch semantics make every call
 * safe to repeat after an agent restart or a takeover (docs/domain.md §5.4:
 * "AlreadyExists on create = success"). Namespace calls are in
 * namespace-ops.ts, the shared Job and pod watches in job-watch.ts and
 * pod-watch.ts, pod log streams in pod-log-stream.ts.
 */
import {
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
} from '@kubernetes/client-node';
import { err, ok, RUN_ID_LABEL } from '@stageline/policy';
import type { Readable } from 'node:stream';
import type { Logger } from '../lib/log.ts';
import { toJobOutcome, toManagedJob } from './job-status.ts';
import { createJobWatcher } from './job-watch.ts';
import { describeKubeError, kubeError, statusCodeOf } from './kube-errors.ts';
import type { EnsureJobResult, JobRef, KubeGateway, ManagedJob } from './kube-gateway.ts';
import { createLineWritable } from './line-writable.ts';
import { LABEL_KEYS, managedJobSelector, RUN_CONTAINER } from './manifests.ts';
import { createNamespaceOps } from './namespace-ops.ts';
import { createPodLogStreams } from './pod-log-stream.ts';
import { createPodWatcher } from './pod-watch.ts';
import { shareDispatcher } from './shared-dispatcher.ts';

export interface ClientNodeGatewayOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  /** `stageline.dev/cluster-agent` of this installation. */
  installation: string;
  random?: () => number;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const FIELD_MANAGER = 'stageline-cluster-agent';
const ACTIVE_POD_PHASES = new Set(['Pending', 'Running']);

export function createClientNodeGateway(options: ClientNodeGatewayOptions): KubeGateway {
  const { kubeConfig, log, installation } = options;
  shareDispatcher(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const openPodLog = createPodLogStreams(kubeConfig);
  const namespaces = createNamespaceOps(core, installation);
  const waitForJobOutcome = createJobWatcher(kubeConfig, log, options.random ?? Math.random, installation);
  const watchJobPods = createPodWatcher(kubeConfig, log, options.random ?? Math.random, installation);

  async function applyObject(manifest: KubernetesObject): Promise<void> {
    const what = `${manifest.kind ?? 'object'} ${manifest.metadata?.namespace ?? ''}/${manifest.metadata?.name ?? ''}`;
    if (manifest.kind === 'Role') {
      // The chart grants `escalate` on the runner Roles by resourceNames only. The API
      // server authorizes escalate against the request's object name, which a POST
      // does not have, so a create would be refused: write Roles by name (server-side apply).
      await objects.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply).catch((error: unknown) => {
        throw kubeError(`apply ${what}`, error);
      });
      return;
    }
    try {
      await objects.create(manifest, undefined, undefined, FIELD_MANAGER);
      return;
    } catch (error) {
      if (statusCodeOf(error) !== 409) {
        throw kubeError(`create ${what}`, error);
      }
    }
    // Lists (rules, egress) are replaced wholesale by a merge patch, which is what converging needs.
    await objects.patch(manifest, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch).catch((error: unknown) => {
      throw kubeError(`patch ${what}`, error);
    });
  }

  async function adoptJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult> {
    const name = manifest.metadata?.name ?? '';
    const existing = await batch.readNamespacedJob({ name, namespace }).catch((error: unknown) => {
      throw kubeError(`read job ${namespace}/${name}`, error);
    });
    const wanted = manifest.metadata?.labels ?? {};
    const found = existing.metadata?.labels ?? {};
    if (found[LABEL_KEYS.runId] !== wanted[LABEL_KEYS.runId]) {
      return err({ kind: 'owned_by_other_run', name, otherRunId: found[LABEL_KEYS.runId] });
    }
    const epoch = wanted[LABEL_KEYS.leaseEpoch];
    if (epoch === undefined || found[LABEL_KEYS.leaseEpoch] === epoch) {
      return ok({ kind: 'adopted', job: toManagedJob(existing) });
    }
    // The new lease holder stamps its epoch so a later restart adopts with the right one.
    const body = { metadata: { labels: { [LABEL_KEYS.leaseEpoch]: epoch } } };
    const patched = await batch.patchNamespacedJob({ name, namespace, body }, MERGE_PATCH).catch((error: unknown) => {
      throw kubeError(`patch job ${namespace}/${name}`, error);
    });
    return ok({ kind: 'adopted', job: toManagedJob(patched) });
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
    return adoptJob(namespace, manifest);
  }

  async function listJobs(labelSelector: string, action: string): Promise<ManagedJob[]> {
    const list = await batch.listJobForAllNamespaces({ labelSelector }).catch((error: unknown) => {
      throw kubeError(action, error);
    });
    return list.items.map(toManagedJob);
  }

  async function followPodLog(ref: JobRef, pod: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      return;
    }
    const sink = createLineWritable(onLine);
    const ended = new Promise<void>((resolve) => {
      sink.once('finish', resolve);
      sink.once('close', resolve);
      sink.once('error', () => resolve());
    });
    // The response ends the sink when it ends or closes (an abort, a dropped connection): the last
    // partial line is delivered either way.
    sink.once('pipe', (source: Readable) => {
      source.once('error', (error) => {
        if (!signal.aborted) {
          log.debug('pod log stream ended with an error', { namespace: ref.namespace, pod, reason: describeKubeError(error) });
        }
      });
    });
    try {
      await openPodLog({ namespace: ref.namespace, pod, container: RUN_CONTAINER }, sink, signal);
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      throw kubeError(`follow log of ${ref.namespace}/${pod}`, error);
    }
    await ended;
  }

  async function listBusyNamespaces(): Promise<Set<string>> {
    // Any run-labelled workload counts, whoever created it: keeping a namespace is the safe side.
    const [jobs, pods] = await Promise.all([batch.listJobForAllNamespaces({ labelSelector: RUN_ID_LABEL }), core.listPodForAllNamespaces({ labelSelector: RUN_ID_LABEL })]).catch(
      (error: unknown) => {
        throw kubeError('list run workloads', error);
      },
    );
    const busy = new Set<string>();
    jobs.items.filter((job) => toJobOutcome(job) === undefined).forEach((job) => busy.add(job.metadata?.namespace ?? ''));
    pods.items.filter((pod) => ACTIVE_POD_PHASES.has(pod.status?.phase ?? '')).forEach((pod) => busy.add(pod.metadata?.namespace ?? ''));
    busy.delete('');
    return busy;
  }

  return {
    ...namespaces,
    applyObject,
    ensureJob,
    async setJobOwner(object, job) {
      const ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: job.name, uid: job.uid, blockOwnerDeletion: false }];
      const body = { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.name, namespace: object.namespace, ownerReferences } };
      await objects.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch).catch((error: unknown) => {
        throw kubeError(`set owner of ${object.kind} ${object.namespace}/${object.name}`, error);
      });
    },
    listManagedJobs: () => listJobs(managedJobSelector(installation), 'list managed jobs'),
    findRunJobs: (runId) => listJobs(`${managedJobSelector(installation)},${LABEL_KEYS.runId}=${runId}`, `list jobs of run ${runId}`),
    async deleteJob(namespace, name) {
      try {
        await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
        return 'deleted';
      } catch (error) {
        if (statusCodeOf(error) === 404) {
          return 'not_found';
        }
        throw kubeError(`delete job ${namespace}/${name}`, error);
      }
    },
    waitForJobOutcome,
    async listJobPods(ref) {
      const pods = await core.listNamespacedPod({ namespace: ref.namespace, labelSelector: `${LABEL_KEYS.jobName}=${ref.name}` }).catch((error: unknown) => {
        throw kubeError(`list pods of job ${ref.namespace}/${ref.name}`, error);
      });
      return pods.items;
    },
    watchJobPods,
    followPodLog,
    listBusyNamespaces,
  };
}
