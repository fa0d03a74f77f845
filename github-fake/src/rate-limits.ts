/**
 * Primary and secondary rate limits (docs: "Rate limits for the REST API").
 * Primary: a per-caller hourly budget reported in x-ratelimit-* headers.
 * Secondary: at most 80 content-generating requests per minute per
 * installation, plus limits a test injects to exercise the edge's back-off.
 */
import { GitHubError } from './github-error.ts';

const DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const SECONDARY_DOCS = `${DOCS}#about-secondary-rate-limits`;
export const CONTENT_WRITES_PER_MINUTE = 80;

export interface PrimaryBucket {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
}

export interface SecondaryInjection {
  /** Only this installation's requests; all callers when absent. */
  installationId?: number;
  /** How many matching requests to reject. */
  count: number;
  status: 403 | 429;
  retryAfterSeconds: number;
  /** `content-write` (default): only POST/PATCH/PUT/DELETE with an installation token. */
  scope: 'content-write' | 'any';
}

export interface RateLimiter {
  /** Counts one request; throws a 403 when the primary budget is spent. Returns the headers to send. */
  takePrimary(key: string, defaultLimit: number, describe: string): Record<string, string>;
  headersFor(key: string, defaultLimit: number): Record<string, string>;
  setPrimary(key: string, patch: Partial<PrimaryBucket>, defaultLimit: number): PrimaryBucket;
  /** Throws a secondary-limit error for an injected limit or an exhausted content-write budget. */
  checkSecondary(installationId: number | undefined, isContentWrite: boolean): void;
  inject(injection: SecondaryInjection): void;
}

export function createRateLimiter(now: () => number): RateLimiter {
  const buckets = new Map<string, PrimaryBucket>();
  const writes = new Map<number, number[]>();
  const injections: SecondaryInjection[] = [];

  const bucket = (key: string, defaultLimit: number): PrimaryBucket => {
    const nowS = Math.floor(now() / 1000);
    let b = buckets.get(key);
    if (b === undefined || nowS >= b.reset) {
      b = { limit: b?.limit ?? defaultLimit, remaining: b?.limit ?? defaultLimit, reset: nowS + 3600 };
      buckets.set(key, b);
    }
    return b;
  };
  const headers = (b: PrimaryBucket): Record<string, string> => ({
    'x-ratelimit-limit': String(b.limit),
    'x-ratelimit-remaining': String(b.remaining),
    'x-ratelimit-used': String(b.limit - b.remaining),
    'x-ratelimit-reset': String(b.reset),
    'x-ratelimit-resource': 'core',
  });
  const secondary = (status: number, retryAfter: number): GitHubError =>
    new GitHubError(status, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE.', {
      documentationUrl: SECONDARY_DOCS,
      headers: { 'retry-after': String(retryAfter) },
    });

  return {
    takePrimary(key, defaultLimit, describe) {
      const b = bucket(key, defaultLimit);
      if (b.remaining <= 0) {
        throw new GitHubError(403, `API rate limit exceeded for ${describe}. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE.`, {
          documentationUrl: DOCS,
          headers: headers(b),
        });
      }
      b.remaining -= 1;
      return headers(b);
    },
    headersFor: (key, defaultLimit) => headers(bucket(key, defaultLimit)),
    setPrimary(key, patch, defaultLimit) {
      const b = bucket(key, defaultLimit);
      Object.assign(b, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      return { ...b };
    },
    checkSecondary(installationId, isContentWrite) {
      const index = injections.findIndex((i) => (i.installationId === undefined || i.installationId === installationId) && (i.scope === 'any' || isContentWrite));
      const injected = injections[index];
      if (injected !== undefined) {
        injected.count -= 1;
        if (injected.count <= 0) {
          injections.splice(index, 1);
        }
        throw secondary(injected.status, injected.retryAfterSeconds);
      }
      if (!isContentWrite || installationId === undefined) {
        return;
      }
      const t = now();
      const recent = (writes.get(installationId) ?? []).filter((at) => at > t - 60_000);
      if (recent.length >= CONTENT_WRITES_PER_MINUTE) {
        writes.set(installationId, recent);
        const oldest = recent[0] ?? t;
        throw secondary(403, Math.max(1, Math.ceil((oldest + 60_000 - t) / 1000)));
      }
      recent.push(t);
      writes.set(installationId, recent);
    },
    inject(injection) {
      injections.push({ ...injection });
    },
  };
}
