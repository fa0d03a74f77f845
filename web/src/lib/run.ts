/**
 * The staff `Run` as the edge serves it (docs/domain.md §8.2, §3.1).
 *
 * The console validates wire data structurally instead of trusting a cast: a
 * malformed row is dropped (and logged by the caller) rather than rendered as
 * `undefined`. When the edge exports its route types, `hc<ApiType>` can replace
 * the hand-written shape; the guard stays as the runtime check.
 */

import { isTerminalStatus, RUN_STATUSES, type RunStatus } from '@stageline/policy';

// The status vocabulary is the policy's (docs/domain.md §3.1); the console only displays it.
// A terminal run never changes again: no more log polling, no cancel.
export { isTerminalStatus, RUN_STATUSES, type RunStatus };

export type Run = {
  id: string;
  correlation_id: string;
  project_id: string;
  repository_full_name: string;
  issue_number: number | null;
  issue_url: string | null;
  trigger_kind: string;
  trigger_label: string;
  agent_key: string;
  status: RunStatus;
  status_reason: string | null;
  cluster_id: string | null;
  job_name: string | null;
  namespace: string | null;
  attempt_no: number;
  version: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  last_heartbeat_at: string | null;
} & Partial<RunRunnerFields>;

/**
 * Fields the edge added to `Run` with the run page (edge/src/db/run-dto.ts).
 * Optional here because `run.status` events logged before they existed are
 * still replayed from the realtime log; when present they must have the right type.
 */
export type RunRunnerFields = {
  /** Why a waiting run waits (`approval_pending`, `interaction_response`…), on what, since when. */
  wait_reason: string | null;
  wait_target: string | null;
  wait_since: string | null;
  runner_phase: string | null;
  runner_reason: string | null;
  branch_name: string | null;
  pull_request_number: number | null;
  pull_request_url: string | null;
  /** The runner's last status lines, newest last. */
  status_lines: string[];
  model: string | null;
  reasoning_effort: string | null;
};

const STRING_FIELDS = [
  'id',
  'correlation_id',
  'project_id',
  'repository_full_name',
  'trigger_kind',
  'trigger_label',
  'agent_key',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Run)[];

const NULLABLE_STRING_FIELDS = [
  'issue_url',
  'status_reason',
  'cluster_id',
  'job_name',
  'namespace',
  'started_at',
  'finished_at',
  'last_heartbeat_at',
] as const satisfies readonly (keyof Run)[];

const NUMBER_FIELDS = ['attempt_no', 'version'] as const satisfies readonly (keyof Run)[];

const OPTIONAL_NULLABLE_STRING_FIELDS = [
  'wait_reason',
  'wait_target',
  'wait_since',
  'runner_phase',
  'runner_reason',
  'branch_name',
  'pull_request_url',
  'model',
  'reasoning_effort',
] as const satisfies readonly (keyof RunRunnerFields)[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** Narrows one wire row to a `Run`; returns `null` when any field has the wrong type. */
export function toRun(raw: unknown): Run | null {
  if (!isRecord(raw)) {
    return null;
  }
  const valid =
    STRING_FIELDS.every((field) => typeof raw[field] === 'string') &&
    NULLABLE_STRING_FIELDS.every((field) => raw[field] === null || typeof raw[field] === 'string') &&
    NUMBER_FIELDS.every((field) => Number.isFinite(raw[field])) &&
    (raw['issue_number'] === null || Number.isInteger(raw['issue_number'])) &&
    isRunStatus(raw['status']) &&
    OPTIONAL_NULLABLE_STRING_FIELDS.every((field) => raw[field] === undefined || raw[field] === null || typeof raw[field] === 'string') &&
    (raw['pull_request_number'] === undefined || raw['pull_request_number'] === null || Number.isInteger(raw['pull_request_number'])) &&
    (raw['status_lines'] === undefined || (Array.isArray(raw['status_lines']) && raw['status_lines'].every((line) => typeof line === 'string')));
  // The checks above cover every field of `Run`; the cast only forgets extra keys' types.
  return valid ? (raw as Run) : null;
}

/** Only web links: a `javascript:` URL in a run's data (issue, pull request) must not become a live link. */
export function toWebUrl(url: string | null | undefined): string | null {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}
