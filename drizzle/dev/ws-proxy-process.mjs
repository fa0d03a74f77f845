// The Neon-style ws proxy (ws-proxy.mjs) in a Node process of its own. The
// benchmarks use it so that the proxy's work, which exists only locally (in
// production Neon runs it), neither competes with the load client's event
// loop nor hides in the client's CPU figures.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWsProxy } from './ws-proxy.mjs';

const SELF = fileURLToPath(import.meta.url);

/**
 * @param {{ port?: number, fixedTarget?: string }} [opts]
 * @returns {Promise<{ port: number, wsProxy: string, pid: number, connections: () => number, close: () => Promise<void> }>}
 */
export async function startWsProxyProcess(opts = {}) {
  const child = fork(SELF, [], { env: { ...process.env, WS_PROXY_OPTS: JSON.stringify(opts), STAGELINE_WS_PROXY_CHILD: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let open = 0;
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ws proxy process exited with ${code} before it listened`)));
    child.on('message', (m) => {
      if (m.kind === 'listening') {
        resolve(m.port);
      } else if (m.kind === 'count') {
        open = m.open;
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    wsProxy: `127.0.0.1:${port}/v2`,
    pid: /** @type {number} */ (child.pid),
    /** Client sessions open through the proxy, as the child last reported. */
    connections: () => open,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// Told by the environment rather than by comparing process.argv[1] with this
// file's path, which holds only while both name the file the same way (no
// symlink kept by --preserve-symlinks, no loader that rewrites module URLs).
if (process.env.STAGELINE_WS_PROXY_CHILD === '1' && process.send) {
  const send = process.send.bind(process);
  const proxy = await startWsProxy({ ...JSON.parse(process.env.WS_PROXY_OPTS ?? '{}'), onCount: (open) => send({ kind: 'count', open }) });
  send({ kind: 'listening', port: proxy.port });
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
  process.on('disconnect', () => void proxy.close().then(() => process.exit(0)));
}
