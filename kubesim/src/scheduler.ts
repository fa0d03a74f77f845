/**
 * The scheduler's filter step for the one simulated node: `spec.nodeSelector`
 * must match the node's labels. A pod that fits nowhere stays Pending with
 * PodScheduled=False / Unschedulable, worded as kube-scheduler 1.32 words it;
 * the node never changes, so there is nothing to retry. Affinity, taints and
 * resource fit are not simulated (README).
 */
import type { KubeObject } from './kube-object.ts';
import { isRecord, toKubeTime } from './kube-object.ts';

/** Labels of the simulated node (simulated-node.ts writes the same). */
export function nodeLabels(nodeName: string): Record<string, string> {
  return { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
}

export const UNSCHEDULABLE_MESSAGE =
  "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";

/** Undefined when the pod fits the node, else the scheduler's message. */
export function schedulingFailure(pod: KubeObject, labels: Readonly<Record<string, string>>): string | undefined {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const selector = isRecord(spec['nodeSelector']) ? spec['nodeSelector'] : {};
  const fits = Object.entries(selector).every(([key, value]) => labels[key] === value);
  return fits ? undefined : UNSCHEDULABLE_MESSAGE;
}

/** The status the scheduler writes on a pod it cannot place (it keeps an earlier transition time). */
export function unschedulableStatus(previous: unknown, message: string, now: Date): Record<string, unknown> {
  const before = isRecord(previous) ? previous : {};
  const old = Array.isArray(before['conditions']) ? before['conditions'].filter(isRecord).find((c) => c['type'] === 'PodScheduled') : undefined;
  const since = old && old['status'] === 'False' ? old['lastTransitionTime'] : toKubeTime(now);
  return {
    ...before,
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: since }],
  };
}
