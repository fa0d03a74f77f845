// A throwaway PostgreSQL server in a temp dir (initdb + pg_ctl), for tests and
// benchmarks. Uses the server binaries Debian ships in /usr/lib/postgresql/<v>/bin.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
 * `port` is the port tried first (tests); when it is taken, a free one is picked.
 * @param {{ port?: number }} [opts]
 * @returns {Promise<{ url: string, port: number, dir: string, stop: () => Promise<void>,
 *   stopServer: () => Promise<void>, startServer: () => Promise<void> }>}
 */
export async function startPostgres(opts = {}) {
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
  const log = path.join(dir, 'log');
  let port = 0;
  const start = () => {
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    return as('pg_ctl', ['-D', data, '-l', log, '-w', '-o', opts, 'start']);
  };
  // The server cannot be handed a bound socket, so its port is picked before
  // it binds; an outgoing connection elsewhere on the machine may take the
  // port in between. Then it fails to bind, and another port is tried.
  for (let attempt = 1; ; attempt += 1) {
    port = attempt === 1 && opts.port ? opts.port : await freePort();
    try {
      await start();
      break;
    } catch (error) {
      const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
      if (attempt >= 5 || !/could not bind|Address already in use/.test(text)) {
        throw new Error(`PostgreSQL did not start: ${text.split('\n').slice(-6).join('\n')}`, { cause: error });
      }
      rmSync(log, { force: true });
    }
  }
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
