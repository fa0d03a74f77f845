import { createDb, type Db, type DbHandle } from './client.ts';

/**
 * A Postgres pool a Durable Object keeps between calls. Unlike a Worker
 * request, an object may hold sockets across events, so its hot paths skip
 * the connection setup a pool per request costs. After a failure the pool is
 * dropped, so a broken connection does not poison later calls.
 */
export interface WarmPool {
  db(): Db;
  /** Drop the pool after an error; the next call opens a fresh one. */
  reset(): Promise<void>;
}

/** How long a dropped pool stays open for the calls already using it. */
const DRAIN_BEFORE_CLOSE_MS = 10_000;

/** How long a warm pool keeps an idle client. */
const WARM_IDLE_MS = 5_000;

export function createWarmPool(env: Pick<Env, 'DATABASE_URL' | 'WS_PROXY'>, max = 4, drainMs = DRAIN_BEFORE_CLOSE_MS): WarmPool {
  let handle: DbHandle | null = null;
  return {
    db() {
      // Idle clients close after a few seconds: every repository has its own inbox object,
      // so a client kept for an object's whole life would hold one session per repository
      // ever seen (the embedded database has few). The idle timer this arms on each release
      // costs about 4 % of an accepted delivery's profile (docs/benchmarks.md).
      handle ??= createDb(env, { max, idleTimeoutMillis: WARM_IDLE_MS });
      return handle.db;
    },
    async reset() {
      const old = handle;
      handle = null;
      if (old === null) {
        return;
      }
      // Calls running concurrently may still hold the old pool: new calls get a
      // fresh one at once, the old one is closed only after they had time to end
      // (closing it under them would fail healthy queries with "pool ended").
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      // Closing a broken pool may itself fail; there is nothing left to release then.
      await old.close().catch(() => undefined);
    },
  };
}
