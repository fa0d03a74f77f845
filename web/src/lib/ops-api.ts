/**
 * The operations reads and the cluster registry (docs/domain.md §8.2;
 * edge/src/routes/staff-ops.ts, staff-errors.ts):
 *
 *   GET  /api/v1/staff/queue?project                      waiting runs, why, since when, SLA
 *   GET  /api/v1/staff/queue/history?project&hours&bucket_minutes
 *                                                          queue depth and wait per bucket
 *   GET  /api/v1/staff/clusters                            clusters, agent instances, busy slots
 *   POST /api/v1/staff/clusters {id, name?}                register; the agent token, once
 *   POST /api/v1/staff/clusters/:id/token                  a new token; the old one stops working
 *   GET  /api/v1/staff/errors?reason&limit                 refused deliveries, failed runs
 *
 * Every call goes through the session's `staffFetch`; a non-2xx answer throws
 * `StaffApiError`. Rows of the wrong shape are skipped, like run rows.
 */
import type { SlaState, WaitCause } from '@stageline/policy';
import type { FetchLike } from './api.ts';
import { isRecord, toRun, type Run } from './run.ts';
import { invalidResponse, staffRequest } from './staff-request.ts';

export type { SlaState, WaitCause };

export const QUEUE_PATH = '/api/v1/staff/queue';
export const QUEUE_HISTORY_PATH = '/api/v1/staff/queue/history';
export const CLUSTERS_PATH = '/api/v1/staff/clusters';
export const ERRORS_PATH = '/api/v1/staff/errors';

/** What the edge accepts as a cluster id (staff-ops.ts `CLUSTER_ID`). */
export const CLUSTER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const WAIT_CAUSES = [
  'no_cluster',
  'cluster_offline',
  'no_free_slot',
  'queued',
  'approval',
  'owner_answer',
  'owner_review',
  'backpressure',
  'waiting',
] as const satisfies readonly WaitCause[];

const SLA_STATES: readonly string[] = ['ok', 'late', 'breached'] satisfies SlaState[];

/** The staff `Run` with the wait and runner fields these screens show (`null` when the edge left one out). */
export type OpsRun = Run & {
  wait_reason: string | null;
  wait_target: string | null;
  wait_since: string | null;
  runner_phase: string | null;
  runner_reason: string | null;
};

export type QueueItem = { run: OpsRun; cause: WaitCause; since: string; waited_ms: number; sla: SlaState };

export type QueueBucketView = { at: string; waiting: number; started: number; mean_wait_ms: number | null; max_wait_ms: number | null };

export type QueueHistory = { from: string; to: string; bucket_minutes: number; buckets: QueueBucketView[]; truncated: boolean };

export type ClusterInstance = {
  instance_id: string;
  live: boolean;
  agent_version: string;
  protocol_version: string;
  connected_at: string;
  heartbeat_at: string;
  connections: number;
};

export type Cluster = {
  id: string;
  name: string;
  created_at: string;
  last_seen_at: string | null;
  online: boolean;
  instances: ClusterInstance[];
  projects: { id: string; slug: string }[];
  runs_holding_slots: number;
};

/** A freshly minted agent token: shown once, never stored by the edge. */
export type ClusterToken = { id: string; name: string | null; token: string };

export type RefusedDelivery = {
  delivery_id: string;
  event: string;
  action: string | null;
  reason: string | null;
  repository_full_name: string | null;
  received_at: string;
};

/** The errors screen's first paint: the first page of each list and the cursor of its next page (null: no more). */
export type ErrorsReport = { refused_deliveries: RefusedDelivery[]; refused_next_cursor: string | null; failed_runs: OpsRun[]; failed_next_cursor: string | null };

/** A later page of one of the errors lists. */
export type ErrorsPage<T> = { items: T[]; next_cursor: string | null };

export const REFUSED_DELIVERIES_PATH = '/api/v1/staff/errors/refused-deliveries';
export const FAILED_RUNS_PATH = '/api/v1/staff/errors/failed-runs';

export type OpsApiOptions = { fetch: FetchLike; signal?: AbortSignal };

export async function fetchQueue(options: OpsApiOptions & { project?: string | null }): Promise<QueueItem[]> {
  const query = options.project ? `?${new URLSearchParams({ project: options.project })}` : '';
  return toQueue(await staffRequest(options.fetch, 'GET', `${QUEUE_PATH}${query}`, { signal: options.signal }));
}

export async function fetchQueueHistory(
  options: OpsApiOptions & { project?: string | null; hours: number; bucketMinutes: number },
): Promise<QueueHistory> {
  const query = new URLSearchParams({ hours: String(options.hours), bucket_minutes: String(options.bucketMinutes) });
  if (options.project) {
    query.set('project', options.project);
  }
  return toQueueHistory(await staffRequest(options.fetch, 'GET', `${QUEUE_HISTORY_PATH}?${query}`, { signal: options.signal }));
}

export async function fetchClusters(options: OpsApiOptions): Promise<Cluster[]> {
  const body = await staffRequest(options.fetch, 'GET', CLUSTERS_PATH, { signal: options.signal });
  if (!isRecord(body) || !Array.isArray(body['items'])) {
    throw invalidResponse('The clusters list');
  }
  return body['items'].map(toCluster).filter((cluster): cluster is Cluster => cluster !== null);
}

export async function registerCluster(input: { id: string; name?: string }, options: OpsApiOptions): Promise<ClusterToken> {
  const name = input.name?.trim() ?? '';
  const payload = name === '' ? { id: input.id } : { id: input.id, name };
  return toClusterToken(await staffRequest(options.fetch, 'POST', CLUSTERS_PATH, { body: payload, signal: options.signal }));
}

export async function rotateClusterToken(clusterId: string, options: OpsApiOptions): Promise<ClusterToken> {
  const path = `${CLUSTERS_PATH}/${encodeURIComponent(clusterId)}/token`;
  return toClusterToken(await staffRequest(options.fetch, 'POST', path, { signal: options.signal }));
}

export async function fetchErrors(options: OpsApiOptions & { reason?: string | null; limit?: number }): Promise<ErrorsReport> {
  const query = new URLSearchParams();
  if (options.reason) {
    query.set('reason', options.reason);
  }
  if (options.limit !== undefined) {
    query.set('limit', String(options.limit));
  }
  const search = query.size === 0 ? '' : `?${query}`;
  return toErrorsReport(await staffRequest(options.fetch, 'GET', `${ERRORS_PATH}${search}`, { signal: options.signal }));
}

export async function fetchRefusedPage(options: OpsApiOptions & { reason?: string | null; limit: number; cursor: string }): Promise<ErrorsPage<RefusedDelivery>> {
  const query = new URLSearchParams({ limit: String(options.limit), cursor: options.cursor });
  if (options.reason) {
    query.set('reason', options.reason);
  }
  const body = await staffRequest(options.fetch, 'GET', `${REFUSED_DELIVERIES_PATH}?${query}`, { signal: options.signal });
  return toPage(body, toRefusedDelivery, 'The refused deliveries page');
}

export async function fetchFailedPage(options: OpsApiOptions & { limit: number; cursor: string }): Promise<ErrorsPage<OpsRun>> {
  const query = new URLSearchParams({ limit: String(options.limit), cursor: options.cursor });
  const body = await staffRequest(options.fetch, 'GET', `${FAILED_RUNS_PATH}?${query}`, { signal: options.signal });
  return toPage(body, toOpsRun, 'The failed runs page');
}

function toPage<T>(body: unknown, item: (raw: unknown) => T | null, what: string): ErrorsPage<T> {
  if (!isRecord(body) || !Array.isArray(body['items'])) {
    throw invalidResponse(what);
  }
  return { items: body['items'].map(item).filter((value): value is T => value !== null), next_cursor: nullableString(body['next_cursor']) };
}

/** A `Run` plus the wait and runner fields; `null` when the run itself does not parse. */
export function toOpsRun(raw: unknown): OpsRun | null {
  const run = toRun(raw);
  if (run === null || !isRecord(raw)) {
    return null;
  }
  return {
    ...run,
    wait_reason: nullableString(raw['wait_reason']),
    wait_target: nullableString(raw['wait_target']),
    wait_since: nullableString(raw['wait_since']),
    runner_phase: nullableString(raw['runner_phase']),
    runner_reason: nullableString(raw['runner_reason']),
  };
}

export function toQueue(body: unknown): QueueItem[] {
  if (!isRecord(body) || !Array.isArray(body['items'])) {
    throw invalidResponse('The wait queue');
  }
  return body['items'].map(toQueueItem).filter((item): item is QueueItem => item !== null);
}

function toQueueItem(raw: unknown): QueueItem | null {
  if (!isRecord(raw)) {
    return null;
  }
  const run = toOpsRun(raw['run']);
  const { cause, since, waited_ms, sla } = raw;
  if (
    run === null ||
    !(WAIT_CAUSES as readonly unknown[]).includes(cause) ||
    typeof since !== 'string' ||
    !Number.isFinite(waited_ms) ||
    !SLA_STATES.includes(sla as string)
  ) {
    return null;
  }
  return { run, cause: cause as WaitCause, since, waited_ms: waited_ms as number, sla: sla as SlaState };
}

export function toQueueHistory(body: unknown): QueueHistory {
  if (
    !isRecord(body) ||
    typeof body['from'] !== 'string' ||
    typeof body['to'] !== 'string' ||
    !Number.isInteger(body['bucket_minutes']) ||
    !Array.isArray(body['buckets'])
  ) {
    throw invalidResponse('The queue history');
  }
  return {
    from: body['from'],
    to: body['to'],
    bucket_minutes: body['bucket_minutes'] as number,
    buckets: body['buckets'].map(toBucket).filter((bucket): bucket is QueueBucketView => bucket !== null),
    truncated: body['truncated'] === true,
  };
}

function toBucket(raw: unknown): QueueBucketView | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { at, waiting, started, mean_wait_ms, max_wait_ms } = raw;
  if (
    typeof at !== 'string' ||
    !Number.isFinite(waiting) ||
    !Number.isFinite(started) ||
    !(mean_wait_ms === null || Number.isFinite(mean_wait_ms)) ||
    !(max_wait_ms === null || Number.isFinite(max_wait_ms))
  ) {
    return null;
  }
  return {
    at,
    waiting: waiting as number,
    started: started as number,
    mean_wait_ms: mean_wait_ms as number | null,
    max_wait_ms: max_wait_ms as number | null,
  };
}

export function toCluster(raw: unknown): Cluster | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { id, name, created_at, last_seen_at, online, instances, projects, runs_holding_slots } = raw;
  if (
    typeof id !== 'string' ||
    typeof name !== 'string' ||
    typeof created_at !== 'string' ||
    !(last_seen_at === null || typeof last_seen_at === 'string') ||
    typeof online !== 'boolean' ||
    !Array.isArray(instances) ||
    !Array.isArray(projects) ||
    !Number.isInteger(runs_holding_slots)
  ) {
    return null;
  }
  return {
    id,
    name,
    created_at,
    last_seen_at,
    online,
    instances: instances.map(toInstance).filter((instance): instance is ClusterInstance => instance !== null),
    projects: projects.filter(
      (project): project is { id: string; slug: string } =>
        isRecord(project) && typeof project['id'] === 'string' && typeof project['slug'] === 'string',
    ).map((project) => ({ id: project.id, slug: project.slug })),
    runs_holding_slots: runs_holding_slots as number,
  };
}

function toInstance(raw: unknown): ClusterInstance | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { instance_id, live, agent_version, protocol_version, connected_at, heartbeat_at, connections } = raw;
  if (
    typeof instance_id !== 'string' ||
    typeof live !== 'boolean' ||
    typeof agent_version !== 'string' ||
    typeof protocol_version !== 'string' ||
    typeof connected_at !== 'string' ||
    typeof heartbeat_at !== 'string' ||
    !Number.isInteger(connections)
  ) {
    return null;
  }
  return { instance_id, live, agent_version, protocol_version, connected_at, heartbeat_at, connections: connections as number };
}

export function toClusterToken(body: unknown): ClusterToken {
  if (!isRecord(body) || typeof body['id'] !== 'string' || typeof body['token'] !== 'string' || body['token'] === '') {
    throw invalidResponse('The cluster token answer');
  }
  return { id: body['id'], name: typeof body['name'] === 'string' ? body['name'] : null, token: body['token'] };
}

export function toErrorsReport(body: unknown): ErrorsReport {
  if (!isRecord(body) || !Array.isArray(body['refused_deliveries']) || !Array.isArray(body['failed_runs'])) {
    throw invalidResponse('The errors report');
  }
  return {
    refused_deliveries: body['refused_deliveries'].map(toRefusedDelivery).filter((item): item is RefusedDelivery => item !== null),
    refused_next_cursor: nullableString(body['refused_next_cursor']),
    failed_runs: body['failed_runs'].map(toOpsRun).filter((run): run is OpsRun => run !== null),
    failed_next_cursor: nullableString(body['failed_next_cursor']),
  };
}

function toRefusedDelivery(raw: unknown): RefusedDelivery | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { delivery_id, event, action, reason, repository_full_name, received_at } = raw;
  const nullable = [action, reason, repository_full_name];
  if (
    typeof delivery_id !== 'string' ||
    typeof event !== 'string' ||
    typeof received_at !== 'string' ||
    !nullable.every((value) => value === null || typeof value === 'string')
  ) {
    return null;
  }
  return {
    delivery_id,
    event,
    action: action as string | null,
    reason: reason as string | null,
    repository_full_name: repository_full_name as string | null,
    received_at,
  };
}

function nullableString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
