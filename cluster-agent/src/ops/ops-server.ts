/**
 * The operations endpoint (node:http): GET /metrics (Prometheus text),
 * /healthz (200 while the agent's loop runs) and /readyz (readiness.ts; 503
 * with a JSON reason otherwise). Port 0 binds a free port; the bound one is
 * returned so tests (and the log) know it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/log.ts';
import type { Readiness } from './readiness.ts';

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  readiness(): Readiness;
  /** False once the agent's main loop has ended (the process is about to exit). */
  alive(): boolean;
  log: Logger;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function route(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://agent').pathname;
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    return;
  }
  switch (path) {
    case '/metrics': {
      const text = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(text);
      return;
    }
    case '/healthz':
      sendJson(res, options.alive() ? 200 : 503, { status: options.alive() ? 'ok' : 'stopping' });
      return;
    case '/readyz': {
      const readiness = options.readiness();
      sendJson(res, readiness.ready ? 200 : 503, readiness.ready ? { status: 'ready' } : { status: 'not_ready', reason: readiness.reason });
      return;
    }
    default:
      sendJson(res, 404, { error: { code: 'not_found', message: `no route ${path}` } });
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      options.log.error('ops endpoint failed', { path: req.url, error });
      if (!res.headersSent) {
        sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
