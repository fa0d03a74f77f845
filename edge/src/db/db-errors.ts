/**
 * What a Postgres failure means for the caller: `unreachable` (the database,
 * or the way to it, is not there now: retry later, keep the work) or
 * `permanent` (this statement will fail the same way again), and a
 * description of it for logs that carries names and SQLSTATEs, never the
 * statement's parameters.
 */
export type DbErrorKind = 'unreachable' | 'permanent';

/** Thrown when an apply exceeded its limit (APPLY_TIMEOUT_MS, do/webhook-inbox-state.ts); counts as unreachable. */
export class ApplyTimeoutError extends Error {
  constructor(ms: number) {
    super(`database did not answer within ${ms} ms`);
    this.name = 'ApplyTimeoutError';
  }
}

/** Node/workerd socket error codes that mean the server could not be reached or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs that say "not now", not "your statement is wrong": class 08
 * (connection exception), admin/crash shutdown, cannot connect now (starting
 * up), class 53 (insufficient resources, e.g. too many connections), and the
 * conflicts a retry resolves: class 40 (serialization failure, deadlock),
 * lock not available, statement canceled (a timeout). Retried later, never parked.
 */
function isUnreachableSqlState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('40') || code === '57P01' || code === '57P02' || code === '57P03' || code === '55P03' || code === '57014';
}

/**
 * Messages of the pg/Neon client when the socket (a WebSocket to the proxy or
 * to Neon) fails or closes, or a connect times out. Only matched on errors
 * that carry no SQLSTATE and are not drizzle's query wrapper (whose message
 * quotes the query parameters).
 */
const UNREACHABLE_MESSAGES = [
  // A pool dropped after another call's failure: the database itself may be fine; retry.
  /cannot use a pool after calling end/i,
  /connection terminated/i,
  /network connection lost/i,
  /websocket/i,
  /socket hang up/i,
  /connection (?:refused|reset|timeout|timed out|closed|error)/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /closed the connection unexpectedly/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
  /terminating connection due to administrator command/i,
  /econnrefused|econnreset|etimedout/i,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

function errorParts(error: unknown): { name: string; code: string | undefined; message: string; isQueryWrapper: boolean; next: unknown[] } {
  if (typeof error !== 'object' || error === null) {
    return { name: typeof error, code: undefined, message: String(error), isQueryWrapper: false, next: [] };
  }
  const e = error as Record<string, unknown>;
  const message = typeof e.message === 'string' ? e.message : '';
  const next: unknown[] = [];
  if ('cause' in e && e.cause !== undefined) {
    next.push(e.cause);
  }
  if (Array.isArray(e.errors)) {
    next.push(...(e.errors as unknown[]));
  }
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    code: typeof e.code === 'string' ? e.code : undefined,
    message,
    isQueryWrapper: message.startsWith('Failed query:') || ('query' in e && 'params' in e),
    next,
  };
}

/**
 * "Database unreachable" (queue and retry later) versus an error that would
 * fail the same way again (answer 5xx as before). Walks `cause` chains and
 * AggregateErrors. A SQLSTATE decides on its own; unknown errors are permanent.
 */
export function classifyDbError(error: unknown): DbErrorKind {
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 16; seen += 1) {
    const current = pending.shift();
    if (current instanceof ApplyTimeoutError) {
      return 'unreachable';
    }
    const parts = errorParts(current);
    // ingest-webhook's DependencyUnavailableError: a dependency the decision needs
    // (GitHub) did not answer and nothing was stored; it waits in the queue like a
    // database outage. Matched by name so this module imports no domain code.
    if (parts.name === 'DependencyUnavailableError') {
      return 'unreachable';
    }
    if (parts.code !== undefined && SQLSTATE.test(parts.code) && !NETWORK_CODES.has(parts.code)) {
      if (isUnreachableSqlState(parts.code)) {
        return 'unreachable';
      }
      // A statement error: the server answered, so it is reachable.
      return 'permanent';
    }
    if (parts.code !== undefined && NETWORK_CODES.has(parts.code)) {
      return 'unreachable';
    }
    if (!parts.isQueryWrapper && UNREACHABLE_MESSAGES.some((re) => re.test(parts.message))) {
      return 'unreachable';
    }
    pending.push(...parts.next);
  }
  return 'permanent';
}

/**
 * Log-safe description of a database error: names and codes along the cause
 * chain, and the innermost message only when it carries no SQLSTATE (server
 * messages and drizzle's wrapper may quote data from the payload).
 */
export function describeDbError(error: unknown): { name: string; code?: string; cause?: string } {
  const chain: { name: string; code: string | undefined; message: string; isQueryWrapper: boolean }[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined; depth += 1) {
    const parts = errorParts(current);
    chain.push(parts);
    current = parts.next[0];
  }
  const names = chain.map((p) => p.name).join('<-');
  const code = chain.find((p) => p.code !== undefined)?.code;
  const innermost = chain[chain.length - 1];
  const safeMessage = innermost !== undefined && innermost.code === undefined && !innermost.isQueryWrapper ? innermost.message.slice(0, 200) : undefined;
  return {
    name: names,
    ...(code === undefined ? {} : { code }),
    ...(safeMessage === undefined || safeMessage === '' ? {} : { cause: safeMessage }),
  };
}
