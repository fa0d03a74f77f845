import { startPglite } from './pglite.mjs';
import { findPostgresBin, startPostgres } from './postgres.mjs';
import { migrateDatabase } from './migrate.mjs';
import { startWsProxy } from './ws-proxy.mjs';
import { startWsProxyProcess } from './ws-proxy-process.mjs';

/**
 * One database for tests, benchmarks and `npm start`: a real PostgreSQL when
 * `kind` is 'postgres' (or 'auto' and server binaries exist), else PGlite;
 * migrated, with the Neon-style ws proxy in front.
 * `proxyProcess` runs the proxy in a child process (benchmarks), else in this one.
 * @param {{ kind?: 'auto' | 'postgres' | 'pglite', dataDir?: string, pgPort?: number, proxyPort?: number, proxyProcess?: boolean }} [opts]
 */
export async function startDatabase(opts = {}) {
  const kind = opts.kind ?? 'auto';
  const usePostgres = kind === 'postgres' || (kind === 'auto' && findPostgresBin() !== null);
  const server = usePostgres ? await startPostgres() : await startPglite({ dataDir: opts.dataDir, port: opts.pgPort });
  await migrateDatabase(server.url);
  // PGlite has one backend: pin the proxy to it. A real server takes the driver's address.
  const proxyOpts = { port: opts.proxyPort, fixedTarget: `127.0.0.1:${server.port}` };
  const proxy = opts.proxyProcess ? await startWsProxyProcess(proxyOpts) : await startWsProxy(proxyOpts);
  return {
    kind: usePostgres ? 'postgres' : 'pglite',
    url: server.url,
    wsProxy: proxy.wsProxy,
    /** The proxy's own process, when it has one. */
    proxyPid: 'pid' in proxy ? proxy.pid : null,
    /** Database sessions open through the proxy (the edge's connections). */
    connections: () => proxy.connections(),
    // Outage drills (e2e): stop and restart the same server on the same port
    // with its data; the ws proxy stays up, as Neon's does while compute is down.
    stopServer: () => server.stopServer(),
    startServer: () => server.startServer(),
    stop: async () => {
      await proxy.close();
      await server.stop();
    },
  };
}
