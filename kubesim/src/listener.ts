/**
 * One port, two protocols: a connection whose first byte is a TLS handshake
 * record (0x16) goes to the https server, anything else to plain http.
 * Plain http is what `url` advertises; https is what the kubeconfig names,
 * because kubectl only sends its bearer token over TLS.
 */
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { duplexPair } from 'node:stream';
import type { Duplex } from 'node:stream';
import { createSelfSignedCert } from './tls-cert.ts';

const TLS_HANDSHAKE = 0x16;

export interface DualListener {
  server: NetServer;
  close(): Promise<void>;
}

function bridge(socket: Socket): Duplex {
  const [inner, outer] = duplexPair();
  socket.pipe(outer).pipe(socket);
  const teardown = (): void => {
    inner.destroy();
    outer.destroy();
    socket.destroy();
  };
  socket.on('close', teardown);
  socket.on('error', teardown);
  outer.on('error', teardown);
  return inner;
}

export function createDualListener(handler: RequestListener): DualListener {
  const http = createHttpServer(handler);
  const https = createHttpsServer(createSelfSignedCert(), handler);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    // Small API replies must not sit in Nagle's buffer waiting for a delayed ACK.
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) {
        // TLSSocket reads from the socket's native handle and would miss the
        // unshifted bytes, so TLS gets an in-memory stream fed from the socket.
        https.emit('connection', bridge(socket));
      } else {
        http.emit('connection', socket);
      }
      socket.resume();
    });
  });
  return {
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sockets.forEach((s) => s.destroy());
      http.closeAllConnections();
      https.closeAllConnections();
      await closed;
    },
  };
}
