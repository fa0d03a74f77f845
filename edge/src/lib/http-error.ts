import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Error codes of docs/domain.md §8.1 (the wire vocabulary). */
export type ErrorCode =
  | 'invalid_argument'
  | 'unauthorized'
  /** 401 for a staff session JWT past its 15 minutes: refresh it (POST /auth/refresh) and retry. */
  | 'session_expired'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'failed_precondition'
  | 'payload_too_large'
  | 'resource_exhausted'
  | 'unavailable'
  | 'internal';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/** Throw from a handler; `app.onError` turns it into the standard body. */
export function httpError(status: ContentfulStatusCode, code: ErrorCode, message: string, field?: string): HTTPException {
  return new HTTPException(status, { res: Response.json(errorBody(code, message, field), { status }) });
}
