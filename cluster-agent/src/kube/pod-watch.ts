/**
 * The run pods of this installation through one shared informer, grouped by
 * the Job they belong to (label `job-name`), instead of listing each run's
 * pods every poll interval. The cache keeps only what pod-health.ts reads.
 */
import { CoreV1Api, type KubeConfig, type V1ContainerStatus, type V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY } from '@stageline/policy';
import type { Logger } from '../lib/log.ts';
import { createInformer, type WatchedMeta } from './informer.ts';
import type { JobRef } from './kube-gateway.ts';
import { LABEL_KEYS, RUN_APP_NAME } from './manifests.ts';
import type { PodView } from './pod-health.ts';

export type WatchJobPods = (ref: JobRef, onPods: (pods: readonly PodView[]) => void, signal: AbortSignal) => void;

/** The fields assessPods reads; the rest of a pod (spec, env, volumes) is not kept. */
export function toPodView(pod: V1Pod): PodView {
  const containers = (statuses: readonly V1ContainerStatus[] | undefined) =>
    statuses?.map((status) => ({ name: status.name, state: { waiting: status.state?.waiting ? { reason: status.state.waiting.reason, message: status.state.waiting.message } : undefined } }));
  const scheduled = pod.status?.conditions?.filter((c) => c.type === 'PodScheduled').map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
  return {
    metadata: { name: pod.metadata?.name, uid: pod.metadata?.uid, deletionTimestamp: pod.metadata?.deletionTimestamp },
    status: {
      phase: pod.status?.phase,
      conditions: scheduled,
      containerStatuses: containers(pod.status?.containerStatuses),
      initContainerStatuses: containers(pod.status?.initContainerStatuses),
    },
  };
}

export function createPodWatcher(kubeConfig: KubeConfig, log: Logger, random: () => number, installation: string): WatchJobPods {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = `${LABEL_KEYS.appName}=${RUN_APP_NAME},${LABEL_KEYS.managedBy}=${MANAGED_BY},${LABEL_KEYS.installation}=${installation}`;
  const informer = createInformer<PodView>({
    kubeConfig,
    log: log.with({ informer: 'pods' }),
    random,
    path: '/api/v1/pods',
    labelSelector,
    async list() {
      const list = await core.listPodForAllNamespaces({ labelSelector });
      return { items: list.items as WatchedMeta[], resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    groupOf(obj) {
      const job = obj.metadata?.labels?.[LABEL_KEYS.jobName];
      return job === undefined ? undefined : `${obj.metadata?.namespace ?? ''}/${job}`;
    },
    project: (obj) => toPodView(obj as V1Pod),
  });
  return (ref, onPods, signal) => {
    if (signal.aborted) {
      return;
    }
    const unsubscribe = informer.subscribe(`${ref.namespace}/${ref.name}`, (pods) => onPods(pods));
    signal.addEventListener('abort', unsubscribe, { once: true });
  };
}
