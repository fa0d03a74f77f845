/**
 * Staff HTTP API client (docs/domain.md §8.2). The edge serves the console
 * on the same origin, so every URL is a relative path and the staff session
 * cookie travels with `credentials: 'same-origin'`. The page passes the
 * session's `staffFetch` (staff-fetch.ts), which adds the CSRF header and
 * refreshes an expired session.
 */
import { isRecord, toRun, type Run } from './run.ts';

export const RUNS_PATH = '/api/v1/staff/runs';
export const RUNS_LIMIT = 100;

export type RunList = {
  /** Newest first, as the edge orders them. */
  items: Run[];
  /** The newest realtime event the list already reflects; the socket resumes after it. */
  lastEventId: number;
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor?: string | null;
};

/** A non-2xx answer, carrying the `{ error: { code, message } }` envelope when the edge sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The global `fetch`, bound late so tests can stub it. */
export const globalFetch: FetchLike = (input, init) => fetch(input, init);

export type FetchRunsOptions = {
  limit?: number;
  /** Filters (`status`, `label`, `project`…; run-filter.ts `toRunsApiParams`). */
  params?: URLSearchParams;
  /** `next_cursor` of the previous page. */
  cursor?: string | null;
  signal?: AbortSignal;
  /** Injected in tests; defaults to the global `fetch`. */
  fetch?: FetchLike;
};

export async function fetchRuns(options: FetchRunsOptions = {}): Promise<RunList> {
  const doFetch = options.fetch ?? globalFetch;
  const query = new URLSearchParams({ limit: String(options.limit ?? RUNS_LIMIT) });
  for (const [key, value] of options.params ?? []) {
    query.set(key, value);
  }
  if (options.cursor !== undefined && options.cursor !== null) {
    query.set('cursor', options.cursor);
  }
  const url = `${RUNS_PATH}?${query.toString()}`;
  const response = await doFetch(url, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    signal: options.signal,
  });
  const body = await readJson(response);
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  return toRunList(body);
}

/** Parses the list body; rows that do not match the `Run` shape are skipped, not fatal. */
export function toRunList(body: unknown): RunList {
  if (!isRecord(body) || !Array.isArray(body['items']) || !Number.isInteger(body['last_event_id'])) {
    throw new ApiError(200, 'invalid_response', 'The runs list has an unexpected shape');
  }
  const items = body['items'].map(toRun).filter((run): run is Run => run !== null);
  const nextCursor = typeof body['next_cursor'] === 'string' && body['next_cursor'] !== '' ? body['next_cursor'] : null;
  return { items, lastEventId: Number(body['last_event_id']), nextCursor };
}

/** The body as JSON; `null` for an empty body or a failed request whose body is not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (response.ok) {
      throw new ApiError(response.status, 'invalid_response', 'The response is not JSON', { cause: error });
    }
    // A failed request with a non-JSON body (a proxy's HTML error page): the status says enough.
    return null;
  }
}

/** The `{ error: { code, message } }` envelope as an `ApiError`; the status alone when the body is not one. */
export function toApiError(status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['code'] === 'string' && typeof error['message'] === 'string') {
    return new ApiError(status, error['code'], error['message']);
  }
  return new ApiError(status, 'unavailable', `HTTP ${status}`);
}
