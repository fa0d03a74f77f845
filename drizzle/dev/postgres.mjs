// A throwaway PostgreSQL server in a temp dir (initdb + pg_ctl), for tests and
// benchmarks. Uses the server binaries Debian ships in /usr/lib/postgresql/<v>/bin.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Directory of the newest installed server binaries, or null. */
export function findPostgresBin() {
  if (process.env.PG_BIN && existsSync(path.join(process.env.PG_BIN, 'initdb'))) {
    return process.env.PG_BIN;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) {
    return null;
  }
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

/**
 * Start a server; as root, the server runs as the `postgres` user (initdb refuses root).
 * @returns {Promise<{ url: string, port: number, dir: string, stop: () => Promise<void>,
 *   stopServer: () => Promise<void>, startServer: () => Promise<void> }>}
 */
export async function startPostgres() {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error('no PostgreSQL server binaries found (set PG_BIN or install postgresql)');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stageline-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = async (cmd, args) => {
    if (!asRoot) {
      return run(path.join(bin, cmd), args);
    }
    return run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]);
  };
  if (asRoot) {
    // initdb refuses to run as root; the server owns its temp dir.
    await run('chown', ['postgres:postgres', dir]);
  }
  const data = path.join(dir, 'data');
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () => as('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', opts, 'start']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    /** An outage: a fast shutdown (open sessions are terminated); the data directory stays. */
    stopServer: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    /** The same server again: same data directory, same port. */
    startServer: async () => {
      await start();
    },
    stop: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
