// WebSocket -> TCP proxy in the shape the Neon serverless driver expects
// (`ws://<proxy>/v2?address=host:port`). Only loopback targets are allowed, so
// the proxy can never be used to reach another machine.
import net from 'node:net';
import { WebSocketServer } from 'ws';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Follows the frontend side of the Postgres wire protocol just far enough to
 * see a Terminate ('X') message: the first message (startup) has no type
 * byte, every later one is a type byte plus an int32 length.
 * @returns {(chunk: Buffer) => boolean} true once Terminate was seen
 */
export function createTerminateDetector() {
  let started = false;
  /** @type {Buffer} */
  let pending = Buffer.alloc(0);
  let terminated = false;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const headerBytes = started ? 5 : 4;
      if (pending.length < headerBytes) {
        return terminated;
      }
      const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
      if (length < headerBytes - (started ? 1 : 0) || pending.length < length) {
        return terminated;
      }
      if (started && pending[0] === 0x58) {
        terminated = true;
      }
      // SSLRequest/GSSENCRequest (80877103/80877104) precede the real startup message.
      const code = started ? 0 : pending.readInt32BE(4);
      if (!(code === 80877103 || code === 80877104)) {
        started = true;
      }
      pending = pending.subarray(length);
    }
  };
}

/**
 * @param {{ port?: number, fixedTarget?: string, onCount?: (open: number) => void }} [opts]
 * @returns {Promise<{ port: number, wsProxy: string, connections: () => number, close: () => Promise<void> }>}
 */
export async function startWsProxy(opts = {}) {
  const wss = new WebSocketServer({ port: opts.port ?? 0, host: '127.0.0.1', perMessageDeflate: false });
  let open = 0;
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
    open += 1;
    opts.onCount?.(open);
    const pending = [];
    let endAfterConnect = false;
    sock.on('connect', () => {
      for (const b of pending) {sock.write(b);}
      pending.length = 0;
      if (endAfterConnect) {sock.end();}
    });
    // A client that said Terminate is done, as a real server would see it:
    // close at once instead of waiting for the WebSocket to go away (workerd
    // may keep it open long after the request that used it; PGlite would then
    // hold the session and run out of connections).
    const terminated = createTerminateDetector();
    ws.on('message', (d) => {
      const data = Buffer.isBuffer(d) ? d : Buffer.from(/** @type {ArrayBuffer} */ (d));
      if (sock.connecting) {
        pending.push(data);
      } else {
        sock.write(data);
      }
      if (terminated(data)) {
        if (sock.connecting) {endAfterConnect = true;} else {sock.end();}
      }
    });
    sock.on('data', (c) => ws.send(c, { binary: true }));
    let closed = false;
    const close = () => {
      if (!closed) {
        closed = true;
        open -= 1;
        opts.onCount?.(open);
      }
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
    /** Client sessions open through the proxy now. */
    connections: () => open,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) {c.terminate();}
        wss.close(() => resolve());
      }),
  };
}
