// WebSocket -> TCP proxy in the shape the Neon serverless driver expects
// (`ws://<proxy>/v2?address=host:port`). Only loopback targets are allowed, so
// the proxy can never be used to reach another machine.
import net from 'node:net';
import { WebSocketServer } from 'ws';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * @param {{ port?: number, fixedTarget?: string }} [opts]
 * @returns {Promise<{ port: number, wsProxy: string, close: () => Promise<void> }>}
 */
export async function startWsProxy(opts = {}) {
  const wss = new WebSocketServer({ port: opts.port ?? 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const target = opts.fixedTarget ?? new URL(req.url ?? '/', 'http://x').searchParams.get('address') ?? '';
    const cut = target.lastIndexOf(':');
    const host = target.slice(0, cut);
    const port = Number(target.slice(cut + 1));
    if (!LOOPBACK.has(host) || !Number.isInteger(port)) {
      ws.close(1008, 'target not allowed');
      return;
    }
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    const pending = [];
    sock.on('connect', () => {
      for (const b of pending) {sock.write(b);}
      pending.length = 0;
    });
    ws.on('message', (d) => (sock.connecting ? pending.push(d) : sock.write(d)));
    sock.on('data', (c) => ws.send(c, { binary: true }));
    const close = () => {
      ws.close();
      sock.destroy();
    };
    ws.on('close', close);
    ws.on('error', close);
    sock.on('close', close);
    sock.on('error', close);
  });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    wsProxy: `127.0.0.1:${port}/v2`,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) {c.terminate();}
        wss.close(() => resolve());
      }),
  };
}
