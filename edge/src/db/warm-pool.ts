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

export function createWarmPool(env: Pick<Env, 'DATABASE_URL' | 'WS_PROXY'>, max = 4): WarmPool {
  let handle: DbHandle | null = null;
  return {
    db() {
      handle ??= createDb(env, { max });
      return handle.db;
    },
    async reset() {
      const old = handle;
      handle = null;
      // Closing a broken pool may itself fail; there is nothing left to release then.
      await old?.close().catch(() => undefined);
    },
  };
}
