// Embedded Postgres (PGlite, WASM) exposed on a TCP socket so the same drivers
// (node-postgres, Neon through the ws proxy) reach it as a real server. The
// socket server is ours (pglite-server.mjs): it gives one connection at a time
// the single backend, so concurrent sessions never interleave.
import { PGlite } from '@electric-sql/pglite';
import { servePglite } from './pglite-server.mjs';

/**
 * @param {{ dataDir?: string, port?: number }} [opts] no dataDir = in memory
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void>,
 *   stopServer: () => Promise<void>, startServer: () => Promise<void> }>}
 */
export async function startPglite(opts = {}) {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  // The edge opens a pool per request: many connections, one backend.
  const listen = (/** @type {number} */ port) => servePglite({ db, port, host: '127.0.0.1', maxConnections: 256 });
  // Port 0 lets the kernel pick while it binds: a port picked first and bound
  // later can be taken in between by any outgoing connection of the machine.
  /** @type {Awaited<ReturnType<typeof servePglite>> | null} */
  let server = await listen(opts.port ?? 0);
  const port = server.port;
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
      server ??= await listen(port);
    },
    stop: async () => {
      await server?.stop();
      server = null;
      await db.close();
    },
  };
}
