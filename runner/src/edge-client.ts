/**
 * The runner's calls to the edge (edge/src/routes/runner-api.ts), each with
 * the run token read fresh from its file: the cluster-agent renews the token
 * with the lease and the Secret volume follows. Network errors and 5xx are
 * retried with backoff, a 429 after the wait it names; any other 4xx is the
 * edge's answer and is returned.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export interface EdgeAnswer<T> {
  status: number;
  body: T | null;
}

export interface EdgeClient {
  call<T>(method: string, path: string, body?: unknown): Promise<EdgeAnswer<T>>;
  /** The current run token (the engine's MCP client sends it as its bearer). */
  token(): Promise<string>;
}

export class EdgeError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

const ATTEMPTS = 5;
/** The longest wait a 429 may ask for before the call is retried (GitHub's secondary limits ask for up to a minute). */
const MAX_RETRY_AFTER_MS = 90_000;

export function createEdgeClient(options: { edgeUrl: string; tokenFile: string; fetch?: typeof fetch }): EdgeClient {
  const doFetch = options.fetch ?? fetch;
  const token = async () => (await readFile(options.tokenFile, 'utf8')).trim();
  return {
    token,
    async call<T>(method: string, path: string, body?: unknown): Promise<EdgeAnswer<T>> {
      let lastError: unknown;
      let waitMs = 0;
      for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
        if (attempt > 0) {
          await delay(Math.max(waitMs, Math.min(8000, 250 * 2 ** attempt)));
        }
        try {
          const res = await doFetch(`${options.edgeUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${await token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.timeout(30_000),
          });
          if (res.status >= 500 || res.status === 429) {
            // A 429 names its wait (Retry-After, seconds); it is honoured up to MAX_RETRY_AFTER_MS.
            waitMs = res.status === 429 ? Math.min(MAX_RETRY_AFTER_MS, Number(res.headers.get('retry-after') ?? '1') * 1000 || 1000) : 0;
            await res.body?.cancel();
            lastError = new EdgeError(`${method} ${path}: ${res.status}`, res.status);
            continue;
          }
          const text = await res.text();
          return { status: res.status, body: text === '' ? null : (JSON.parse(text) as T) };
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError instanceof Error ? lastError : new Error(`${method} ${path} failed`);
    },
  };
}

/** The body of a 2xx answer, or an EdgeError naming the call. */
export async function expectOk<T>(answer: Promise<EdgeAnswer<T>>, what: string): Promise<T> {
  const a = await answer;
  if (a.status < 200 || a.status >= 300 || a.body === null) {
    throw new EdgeError(`${what}: edge answered ${a.status}`, a.status);
  }
  return a.body;
}
