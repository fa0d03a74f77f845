/**
 * Whether a run's pod has started, or is stuck in a way Kubernetes will not
 * fix by itself (issue 4 item 2). Pure: the caller keeps `memory` between
 * looks and passes `now`.
 *
 * Stuck means a container waiting with ErrImagePull, ImagePullBackOff,
 * InvalidImageName, CreateContainerConfigError, CreateContainerError,
 * RunContainerError, CrashLoopBackOff or any other *BackOff, or the pod
 * PodScheduled=False / Unschedulable. It fails the run once it has lasted
 * `graceMs` (InvalidImageName at once: no retry can fix a malformed name).
 * The time is counted per container (per pod for scheduling), so a container
 * flipping between ErrImagePull and ImagePullBackOff is one stuck period.
 */
interface ContainerView {
  name: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

/** The parts of a pod read here (a V1Pod is one); the shared pod informer keeps only these. */
export interface PodView {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: Date | string };
  status?: {
    phase?: string;
    conditions?: readonly { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: readonly ContainerView[];
    initContainerStatuses?: readonly ContainerView[];
  };
}

const STUCK_REASONS: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff',
]);

const IMMEDIATE: ReadonlySet<string> = new Set(['InvalidImageName']);
const STARTED_PHASES: ReadonlySet<string> = new Set(['Running', 'Succeeded', 'Failed']);
const MAX_REASON = 500;

export type PodVerdict =
  | { kind: 'pending' }
  /** A pod runs or ran: follow its log. */
  | { kind: 'started'; pod: string }
  /** Fail the run with `reason` (`<Reason>: <message>`) and delete its Job. */
  | { kind: 'stuck'; reason: string };

export interface PodAssessment {
  verdict: PodVerdict;
  /** First time (ms) each stuck condition was seen; pass it to the next call. */
  memory: ReadonlyMap<string, number>;
}

interface Stuck {
  key: string;
  reason: string;
  message: string;
}

export function isStuckReason(reason: string): boolean {
  return STUCK_REASONS.has(reason) || reason.endsWith('BackOff');
}

function stuckContainers(uid: string, statuses: readonly ContainerView[]): Stuck[] {
  return statuses.flatMap((status) => {
    const waiting = status.state?.waiting;
    const reason = waiting?.reason ?? '';
    return isStuckReason(reason) ? [{ key: `${uid}/${status.name}`, reason, message: waiting?.message ?? '' }] : [];
  });
}

function stuckOf(pod: PodView): Stuck[] {
  const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const found: Stuck[] = [];
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    found.push({ key: `${uid}/scheduling`, reason: 'Unschedulable', message: scheduled.message ?? '' });
  }
  return [...found, ...stuckContainers(uid, [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])])];
}

function describe(stuck: Stuck): string {
  return (stuck.message === '' ? stuck.reason : `${stuck.reason}: ${stuck.message}`).slice(0, MAX_REASON);
}

/**
 * @example assessPods([], new Map(), Date.now(), 60_000) // { verdict: { kind: 'pending' }, memory: Map {} }
 */
export function assessPods(pods: readonly PodView[], memory: ReadonlyMap<string, number>, now: number, graceMs: number): PodAssessment {
  const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const next = new Map<string, number>();
  let expired: Stuck | undefined;
  for (const stuck of live.flatMap(stuckOf)) {
    const since = memory.get(stuck.key) ?? now;
    next.set(stuck.key, since);
    if (!expired && (IMMEDIATE.has(stuck.reason) || now - since >= graceMs)) {
      expired = stuck;
    }
  }
  if (expired) {
    return { verdict: { kind: 'stuck', reason: describe(expired) }, memory: next };
  }
  const started = live.find((pod) => STARTED_PHASES.has(pod.status?.phase ?? ''));
  if (started?.metadata?.name) {
    return { verdict: { kind: 'started', pod: started.metadata.name }, memory: next };
  }
  return { verdict: { kind: 'pending' }, memory: next };
}
