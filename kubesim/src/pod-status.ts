/**
 * Pod status as the kubelet reports it, computed from the state of each
 * container run: phase (kubelet getPhase), conditions and containerStatuses.
 */
import type { ChildProcess } from 'node:child_process';
import type { LogBuffer } from './log-buffer.ts';
import { toKubeTime } from './kube-object.ts';

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export interface ContainerRun {
  name: string;
  image: string;
  state: 'waiting' | 'running' | 'terminated';
  waiting: { reason: string; message?: string } | undefined;
  startedAt: string | undefined;
  containerID: string | undefined;
  terminated: TerminatedState | undefined;
  lastTerminated: TerminatedState | undefined;
  restartCount: number;
  logs: LogBuffer | undefined;
  previousLogs: LogBuffer | undefined;
  process: ChildProcess | undefined;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodRunView {
  runs: readonly ContainerRun[];
  restartPolicy: RestartPolicy;
  startTime: string;
  hostIP: string;
}

export function podPhase(view: PodRunView): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const { runs, restartPolicy } = view;
  if (runs.some((r) => r.state === 'waiting' && r.restartCount === 0)) {
    return 'Pending';
  }
  if (runs.some((r) => r.state !== 'terminated')) {
    return 'Running';
  }
  const failed = runs.some((r) => (r.terminated?.exitCode ?? 0) !== 0);
  if (restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && failed)) {
    return 'Running';
  }
  return failed ? 'Failed' : 'Succeeded';
}

function condition(type: string, status: boolean, now: string, reason?: string, message?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now };
  if (reason) {
    c['reason'] = reason;
  }
  if (message) {
    c['message'] = message;
  }
  return c;
}

function stateOf(run: ContainerRun): Record<string, unknown> {
  if (run.state === 'running') {
    return { running: { startedAt: run.startedAt } };
  }
  if (run.state === 'terminated' && run.terminated) {
    return { terminated: run.terminated };
  }
  return { waiting: run.waiting ?? { reason: 'ContainerCreating' } };
}

function containerStatus(run: ContainerRun): Record<string, unknown> {
  const status: Record<string, unknown> = {
    name: run.name,
    image: run.image,
    imageID: '',
    ready: run.state === 'running',
    restartCount: run.restartCount,
    started: run.state === 'running',
    state: stateOf(run),
    lastState: run.lastTerminated ? { terminated: run.lastTerminated } : {},
  };
  if (run.containerID) {
    status['containerID'] = run.containerID;
  }
  return status;
}

export function buildPodStatus(view: PodRunView, previous: Record<string, unknown>): Record<string, unknown> {
  const phase = podPhase(view);
  const now = toKubeTime(new Date());
  const allReady = view.runs.every((r) => r.state === 'running');
  const notReady = view.runs.filter((r) => r.state !== 'running').map((r) => r.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = terminal ? 'PodCompleted' : allReady ? undefined : 'ContainersNotReady';
  const readyMessage = !terminal && !allReady ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  const started = view.runs.some((r) => r.state !== 'waiting' || r.restartCount > 0);
  const conditions = [
    condition('PodReadyToStartContainers', !terminal || started, now),
    condition('Initialized', true, now, terminal ? 'PodCompleted' : undefined),
    condition('Ready', allReady && !terminal, now, readyReason, readyMessage),
    condition('ContainersReady', allReady && !terminal, now, readyReason, readyMessage),
    condition('PodScheduled', true, now),
  ];
  return {
    ...previous,
    phase,
    conditions: keepTransitionTimes(conditions, previous['conditions']),
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    podIP: view.hostIP,
    podIPs: [{ ip: view.hostIP }],
    startTime: view.startTime,
    containerStatuses: view.runs.map(containerStatus),
  };
}

/** lastTransitionTime only moves when a condition's status flips. */
function keepTransitionTimes(next: Record<string, unknown>[], previous: unknown): Record<string, unknown>[] {
  const old = Array.isArray(previous) ? (previous as Record<string, unknown>[]) : [];
  return next.map((c) => {
    const before = old.find((o) => o['type'] === c['type']);
    return before && before['status'] === c['status'] ? { ...c, lastTransitionTime: before['lastTransitionTime'] } : c;
  });
}
