/**
 * The kubelet's memory of one pod it runs, and the spec readers the pod
 * runner and the image puller share.
 */
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { ContainerRun, RestartPolicy } from './pod-status.ts';

export interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  runs: ContainerRun[];
  restartPolicy: RestartPolicy;
  startTime: string;
  started: boolean;
  /** An image could not be pulled: starting waits for the next pull attempt (or forever). */
  pullBlocked: boolean;
  pullFailures: number;
  signalled: boolean;
  killAt: number | undefined;
  timers: Set<NodeJS.Timeout>;
}

export type Json = Record<string, unknown>;

export function specOf(pod: KubeObject): Json {
  return isRecord(pod['spec']) ? pod['spec'] : {};
}

export function containersOf(pod: KubeObject): Json[] {
  const containers = specOf(pod)['containers'];
  return Array.isArray(containers) ? containers.filter(isRecord) : [];
}

export function newRun(container: Json): ContainerRun {
  return {
    name: String(container['name'] ?? ''),
    image: String(container['image'] ?? ''),
    state: 'waiting',
    waiting: { reason: 'ContainerCreating' },
    startedAt: undefined,
    containerID: undefined,
    terminated: undefined,
    lastTerminated: undefined,
    restartCount: 0,
    logs: undefined,
    previousLogs: undefined,
    process: undefined,
  };
}
