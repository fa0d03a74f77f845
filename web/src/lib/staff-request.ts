/**
 * One JSON call to the staff API for the operations screens (docs/domain.md
 * §8.1, §8.2): the answer's body on 2xx (`null` for 204), a `StaffApiError`
 * otherwise. The error keeps what the edge's envelope says beyond code and
 * message: the `field` it names, and the `errors` list a refused settings
 * change carries (`PATCH /api/v1/staff/projects/:id`), one entry per refusal.
 */
import { ApiError, readJson, toApiError, type FetchLike } from './api.ts';
import { isRecord } from './run.ts';

export type StaffMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class StaffApiError extends ApiError {
  /** The input the edge blamed (`error.field`), if it named one. */
  readonly field: string | null;
  /** Every refusal of a 400 that lists them (`errors: string[]`); empty otherwise. */
  readonly errors: readonly string[];

  constructor(status: number, code: string, message: string, details: { field?: string | null; errors?: readonly string[] } = {}) {
    super(status, code, message);
    this.name = 'StaffApiError';
    this.field = details.field ?? null;
    this.errors = details.errors ?? [];
  }
}

/** The edge's error envelope, with `field` and `errors` when present. */
export function toStaffApiError(status: number, body: unknown): StaffApiError {
  const base = toApiError(status, body);
  const error = isRecord(body) ? body['error'] : undefined;
  const field = isRecord(error) && typeof error['field'] === 'string' ? error['field'] : null;
  const listed = isRecord(body) && Array.isArray(body['errors']) ? body['errors'] : [];
  const errors = listed.filter((entry): entry is string => typeof entry === 'string');
  return new StaffApiError(status, base.code, base.message, { field, errors });
}

/** The messages to show for a failure: each listed refusal, else the one message. */
export function messagesOf(error: unknown): string[] {
  if (error instanceof StaffApiError && error.errors.length > 0) {
    return [...error.errors];
  }
  return [error instanceof Error ? error.message : String(error)];
}

export type StaffRequestOptions = { body?: unknown; signal?: AbortSignal };

export async function staffRequest(fetch: FetchLike, method: StaffMethod, path: string, options: StaffRequestOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const body = await readJson(response);
  if (!response.ok) {
    throw toStaffApiError(response.status, body);
  }
  return body;
}

/** A 2xx body of the wrong shape. */
export function invalidResponse(what: string): ApiError {
  return new ApiError(200, 'invalid_response', `${what} has an unexpected shape`);
}
