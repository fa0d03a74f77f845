/**
 * One GitHub REST request: the standard headers, a typed error instead of a
 * thrown string, and every response's rate-limit headers reported to a gate
 * (rate-limit-state.ts) so the caller knows when to try again.
 *
 * Logs carry the route template, status and duration only: never the
 * Authorization header, a token, a URL query or a body.
 */
import type { Result } from '@stageline/policy';
import type { Logger } from '../lib/log.ts';
import { createRateLimitState, observeResponse, type RateLimitHit, type ResponseSignal } from './rate-limit-state.ts';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_API_VERSION = '2022-11-28';
export const USER_AGENT = 'stageline';

export type GitHubError =
  | { kind: 'rate_limited'; scope: 'primary' | 'secondary'; retryAt: number; status: number }
  | { kind: 'unauthorized'; status: 401; message: string }
  | { kind: 'forbidden'; status: 403; message: string }
  | { kind: 'not_found'; status: 404; message: string }
  | { kind: 'conflict'; status: 409; message: string }
  | { kind: 'unprocessable'; status: 422; message: string }
  | { kind: 'server_error'; status: number }
  | { kind: 'network'; message: string }
  /** An answer we cannot use: an unexpected status or body shape. */
  | { kind: 'bad_response'; status: number; message: string }
  /** GITHUB_APP_ID / GITHUB_APP_PRIVATE_KEY missing or unusable. */
  | { kind: 'not_configured'; message: string };

export type GitHubResult<T> = Result<T, GitHubError>;

/** Transient failures: the same request may succeed later. */
export function isRetryableGitHubError(error: GitHubError): boolean {
  return error.kind === 'rate_limited' || error.kind === 'server_error' || error.kind === 'network' || error.kind === 'bad_response';
}

/** Receives every response's rate-limit signal; returns the limit it hit, if any. */
export interface RateLimitGate {
  observe(signal: ResponseSignal): RateLimitHit | null;
}

export interface RestResponse {
  status: number;
  body: unknown;
  /** rel="next" of the Link header, when GitHub paginates. */
  nextUrl: string | null;
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under the API root (`/repos/o/r/...`) or an absolute `next` URL from a Link header. */
  path: string;
  /** Route template for logs, e.g. `POST /repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  route: string;
  query?: Record<string, string | number | undefined>;
  /** JWT or installation token; omitted for public endpoints. */
  auth?: string;
  body?: unknown;
}

export interface RestTransport {
  readonly apiUrl: string;
  send(request: RestRequest): Promise<GitHubResult<RestResponse>>;
}

export interface RestTransportOptions {
  apiUrl?: string;
  fetch?: typeof fetch;
  log: Logger;
  /** Epoch ms. */
  now: () => number;
  /** Defaults to a stateless classification of each response. */
  gate?: RateLimitGate;
}

/** Parse rel="next" out of a Link header. */
export function parseNextLink(link: string | null): string | null {
  if (link === null) {
    return null;
  }
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1] !== undefined) {
      return m[1];
    }
  }
  return null;
}

function messageOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    // GitHub's error messages are short fixed phrases ("Not Found", "Validation Failed"); cap them anyway.
    return (body as { message: string }).message.slice(0, 200);
  }
  return '';
}

export function toGitHubError(status: number, body: unknown): GitHubError {
  const message = messageOf(body);
  switch (status) {
    case 401:
      return { kind: 'unauthorized', status, message };
    case 403:
      return { kind: 'forbidden', status, message };
    case 404:
      return { kind: 'not_found', status, message };
    case 409:
      return { kind: 'conflict', status, message };
    case 422:
      return { kind: 'unprocessable', status, message };
    default:
      return status >= 500 ? { kind: 'server_error', status } : { kind: 'bad_response', status, message };
  }
}

export function createRestTransport(options: RestTransportOptions): RestTransport {
  const apiUrl = (options.apiUrl === undefined || options.apiUrl === '' ? DEFAULT_GITHUB_API_URL : options.apiUrl).replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const log = options.log.with({ component: 'github-rest' });
  let fallback = createRateLimitState();
  const gate: RateLimitGate = options.gate ?? {
    observe(signal) {
      const seen = observeResponse(fallback, signal, options.now());
      fallback = seen.state;
      return seen.hit;
    },
  };

  const toUrl = (request: RestRequest): string | null => {
    if (/^https?:\/\//.test(request.path)) {
      // Only follow pagination links back to the API we were configured with:
      // the token must never travel to another origin.
      return request.path.startsWith(`${apiUrl}/`) ? request.path : null;
    }
    const url = new URL(`${apiUrl}${request.path}`);
    for (const [k, v] of Object.entries(request.query ?? {})) {
      if (v !== undefined) {
        url.searchParams.set(k, String(v));
      }
    }
    return url.toString();
  };

  return {
    apiUrl,
    async send(request) {
      const url = toUrl(request);
      if (url === null) {
        return { ok: false, error: { kind: 'bad_response', status: 0, message: 'pagination link leaves the API origin' } };
      }
      const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION, 'user-agent': USER_AGENT });
      if (request.auth !== undefined) {
        headers.set('authorization', `Bearer ${request.auth}`);
      }
      const init: RequestInit = { method: request.method, headers };
      if (request.body !== undefined) {
        headers.set('content-type', 'application/json');
        init.body = JSON.stringify(request.body);
      }
      const started = options.now();
      let res: Response;
      try {
        res = await doFetch(url, init);
      } catch (error) {
        log.warn('github request failed', { route: request.route, error });
        return { ok: false, error: { kind: 'network', message: error instanceof Error ? error.message : 'fetch failed' } };
      }
      let text: string;
      try {
        text = await res.text();
      } catch (error) {
        log.warn('github response body failed', { route: request.route, status: res.status, error });
        return { ok: false, error: { kind: 'network', message: error instanceof Error ? error.message : 'body read failed' } };
      }
      let body: unknown = null;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (an HTML error page from a proxy): keep null, the status decides.
          body = null;
        }
      }
      const signal: ResponseSignal = {
        status: res.status,
        remaining: res.headers.get('x-ratelimit-remaining'),
        reset: res.headers.get('x-ratelimit-reset'),
        retryAfter: res.headers.get('retry-after'),
        message: messageOf(body) || null,
      };
      const hit = gate.observe(signal);
      const fields = { route: request.route, status: res.status, durationMs: options.now() - started, remaining: signal.remaining };
      if (res.status >= 200 && res.status < 300) {
        log.debug('github request', fields);
        return { ok: true, value: { status: res.status, body, nextUrl: parseNextLink(res.headers.get('link')) } };
      }
      if (hit !== null && (res.status === 403 || res.status === 429)) {
        log.warn('github rate limited', { ...fields, scope: hit.scope, retryAt: new Date(hit.until).toISOString() });
        return { ok: false, error: { kind: 'rate_limited', scope: hit.scope, retryAt: hit.until, status: res.status } };
      }
      log.info('github request rejected', fields);
      return { ok: false, error: toGitHubError(res.status, body) };
    },
  };
}
