import * as schema from '@stageline/db';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import { coalesceWritesPerTurn, type SocketClass } from './coalesce-writes.ts';

export type Db = NeonDatabase<typeof schema>;

export interface DbHandle {
  db: Db;
  /** Close the pool; call through `ctx.waitUntil` so the answer is not delayed. */
  close(): Promise<void>;
}

let configuredProxy: string | null = null;

// The driver's socket class is `neonConfig`; see coalesce-writes.ts for why.
coalesceWritesPerTurn(neonConfig as unknown as SocketClass);

/**
 * Local development and tests reach Postgres through a WebSocket->TCP proxy.
 * Production leaves WS_PROXY empty and keeps Neon's defaults.
 */
function configureProxy(wsProxy: string): void {
  if (wsProxy === '' || configuredProxy === wsProxy) {
    return;
  }
  neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  // Required for trust/SCRAM auth: the default pipelines a cleartext password.
  neonConfig.pipelineConnect = false;
  neonConfig.forceDisablePgSSL = true;
  configuredProxy = wsProxy;
}

/**
 * A pool per request in Workers (they cannot share sockets across requests);
 * Durable Objects may keep one for their lifetime.
 */
export function createDb(env: Pick<Env, 'DATABASE_URL' | 'WS_PROXY'>, opts: { max?: number; idleTimeoutMillis?: number } = {}): DbHandle {
  configureProxy(env.WS_PROXY);
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: opts.max ?? 4, idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000 });
  // workerd cuts a request's sockets when the request ends; an idle client then
  // reports "Network connection lost". The pool is per request, so that is expected.
  pool.on('error', () => undefined);
  // `casing` must match drizzle/drizzle.config.ts.
  const db = drizzle({ client: pool, schema, casing: 'snake_case' });
  return { db, close: () => pool.end() };
}

/** A drizzle transaction handle, or the database itself for single statements. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;
