// Embedded Postgres (PGlite, WASM) exposed on a TCP socket so the same drivers
// (node-postgres, Neon through the ws proxy) reach it as a real server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from './postgres.mjs';

/**
 * @param {{ dataDir?: string, port?: number }} [opts] no dataDir = in memory
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void>,
 *   stopServer: () => Promise<void>, startServer: () => Promise<void> }>}
 */
export async function startPglite(opts = {}) {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const port = opts.port ?? (await freePort());
  // maxConnections defaults to 1; the edge opens a pool per request.
  const listen = async () => {
    const s = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 256 });
    await s.start();
    return s;
  };
  /** @type {PGLiteSocketServer | null} */
  let server = await listen();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    /** An outage: the socket closes (open connections are cut); the database and its data stay. */
    stopServer: async () => {
      await server?.stop();
      server = null;
    },
    /** Listen again on the same port, over the same database. */
    startServer: async () => {
      server ??= await listen();
    },
    stop: async () => {
      await server?.stop();
      server = null;
      await db.close();
    },
  };
}
