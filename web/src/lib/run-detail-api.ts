/**
 * The staff API behind the run page (docs/domain.md §8.2;
 * edge/src/routes/staff-runs.ts, staff-run-timeline.ts, staff-run-actions.ts):
 *
 *   GET  /api/v1/staff/runs/:id                        Run (404: missing or not yours)
 *   GET  /api/v1/staff/runs/:id/logs?tail_lines        the newest lines of the current attempt
 *   GET  /api/v1/staff/runs/:id/logs/history?after_seq&limit_chunks
 *                                                      the stored log, oldest first, by chunk
 *   GET  /api/v1/staff/runs/:id/timeline?after&limit   audit events + the runner's events
 *   POST /api/v1/staff/runs/:id/cancel {reason?}       403 for a `read` member
 *
 * Every call goes through the session's `staffFetch`. A non-2xx answer throws
 * `ApiError` (its `status` tells a 404 apart); a 2xx body of the wrong shape
 * throws `invalid_response`.
 */
import { ApiError, readJson, RUNS_PATH, toApiError, type FetchLike } from './api.ts';
import { isRecord, toRun, type Run } from './run.ts';

export type LogTail = { status: string; lines: string[] };

export type LogHistoryPage = {
  lines: string[];
  /** Pass back as `after_seq`; null when the page was empty. */
  nextAfterSeq: number | null;
  /** The stored log has no more chunks (for now: a running run keeps adding). */
  done: boolean;
};

export type FlowEvent = {
  id: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  event_type: string;
  payload: unknown;
};

export type RunnerEvent = {
  attempt_no: number;
  seq: number;
  at: string;
  kind: string;
  payload: unknown;
};

export type TimelinePage = {
  flowEvents: FlowEvent[];
  runnerEvents: RunnerEvent[];
  /** `attempt:seq` to ask for the next runner events; null when this page had them all. */
  nextAfter: string | null;
};

export type CancelOutcome = {
  previous_status: string;
  current_status: string;
  already_terminal: boolean;
  job_stop_requested: boolean;
};

export const runPath = (runId: string): string => `${RUNS_PATH}/${encodeURIComponent(runId)}`;

async function getJson(fetch: FetchLike, url: string, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  const body = await readJson(response);
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  return body;
}

function invalid(what: string): ApiError {
  return new ApiError(200, 'invalid_response', `${what} has an unexpected shape`);
}

export async function fetchRun(fetch: FetchLike, runId: string, signal?: AbortSignal): Promise<Run> {
  const run = toRun(await getJson(fetch, runPath(runId), signal));
  if (run === null) {
    throw invalid('The run');
  }
  return run;
}

export async function fetchLogTail(fetch: FetchLike, runId: string, tailLines: number): Promise<LogTail> {
  const body = await getJson(fetch, `${runPath(runId)}/logs?tail_lines=${tailLines}`);
  if (!isRecord(body) || !isStringArray(body['tail_lines'])) {
    throw invalid('The log tail');
  }
  return { status: typeof body['status'] === 'string' ? body['status'] : '', lines: body['tail_lines'] };
}

export async function fetchLogHistory(fetch: FetchLike, runId: string, afterSeq: number | null, limitChunks: number): Promise<LogHistoryPage> {
  const query = new URLSearchParams({ limit_chunks: String(limitChunks) });
  if (afterSeq !== null) {
    query.set('after_seq', String(afterSeq));
  }
  const body = await getJson(fetch, `${runPath(runId)}/logs/history?${query.toString()}`);
  if (!isRecord(body) || !isStringArray(body['lines']) || typeof body['done'] !== 'boolean') {
    throw invalid('The log history');
  }
  const next = body['next_after_seq'];
  return { lines: body['lines'], nextAfterSeq: Number.isInteger(next) ? Number(next) : null, done: body['done'] };
}

export async function fetchTimeline(fetch: FetchLike, runId: string, after: string | null, limit = 500): Promise<TimelinePage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (after !== null) {
    query.set('after', after);
  }
  const body = await getJson(fetch, `${runPath(runId)}/timeline?${query.toString()}`);
  if (!isRecord(body) || !Array.isArray(body['flow_events']) || !Array.isArray(body['runner_events'])) {
    throw invalid('The timeline');
  }
  return {
    flowEvents: body['flow_events'].filter(isFlowEvent),
    runnerEvents: body['runner_events'].filter(isRunnerEvent),
    nextAfter: typeof body['next_after'] === 'string' ? body['next_after'] : null,
  };
}

export async function cancelRun(fetch: FetchLike, runId: string, reason: string): Promise<CancelOutcome> {
  const trimmed = reason.trim();
  const response = await fetch(`${runPath(runId)}/cancel`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(trimmed === '' ? {} : { reason: trimmed }),
  });
  const body = await readJson(response);
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  if (!isRecord(body) || typeof body['current_status'] !== 'string' || typeof body['previous_status'] !== 'string') {
    throw invalid('The cancel answer');
  }
  return {
    previous_status: body['previous_status'],
    current_status: body['current_status'],
    already_terminal: body['already_terminal'] === true,
    job_stop_requested: body['job_stop_requested'] === true,
  };
}

/** `POST …/retry`: the new run's id; a 409 (already retried, or the policy refused) carries the edge's words and, when known, the retry's id. */
export type RetryOutcome = { kind: 'started'; runId: string } | { kind: 'queued' } | { kind: 'refused'; message: string; runId: string | null };

export async function retryRun(fetch: FetchLike, runId: string): Promise<RetryOutcome> {
  const response = await fetch(`${runPath(runId)}/retry`, { method: 'POST', headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = await readJson(response);
  if (response.status === 409 && isRecord(body)) {
    const error = isRecord(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : 'The run was not started again.';
    return { kind: 'refused', message: error, runId: typeof body['run_id'] === 'string' ? body['run_id'] : null };
  }
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  if (response.status === 202) {
    return { kind: 'queued' };
  }
  if (!isRecord(body) || typeof body['run_id'] !== 'string') {
    throw invalid('The retry answer');
  }
  return { kind: 'started', runId: body['run_id'] };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isFlowEvent(raw: unknown): raw is FlowEvent {
  return (
    isRecord(raw) &&
    Number.isInteger(raw['id']) &&
    typeof raw['at'] === 'string' &&
    typeof raw['actor_type'] === 'string' &&
    (raw['actor_id'] === null || typeof raw['actor_id'] === 'string') &&
    typeof raw['event_type'] === 'string'
  );
}

function isRunnerEvent(raw: unknown): raw is RunnerEvent {
  return (
    isRecord(raw) &&
    Number.isInteger(raw['attempt_no']) &&
    Number.isInteger(raw['seq']) &&
    typeof raw['at'] === 'string' &&
    typeof raw['kind'] === 'string'
  );
}
