// Embedded Postgres (PGlite, WASM) exposed on a TCP socket so the same drivers
// (node-postgres, Neon through the ws proxy) reach it as a real server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from './postgres.mjs';

/**
 * @param {{ dataDir?: string, port?: number }} [opts] no dataDir = in memory
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startPglite(opts = {}) {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const port = opts.port ?? (await freePort());
  // maxConnections defaults to 1; the edge opens a pool per request.
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 256 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
