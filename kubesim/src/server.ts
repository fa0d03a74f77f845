/**
 * The HTTP front door: authentication, discovery, resource routing, and the
 * single place where thrown ApiErrors become Status replies.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { discoveryDocument } from './discovery.ts';
import { ApiError, internalError, methodNotAllowed, unauthorized, unknownPath } from './http-status.ts';
import { sendApiError, sendJson } from './http-io.ts';
import { parseResourcePath } from './request-path.ts';
import type { HandlerContext } from './resource-handlers.ts';
import { handleResource } from './resource-handlers.ts';

export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

export interface ApiServerOptions {
  /** Accept only this bearer token; any non-empty one when unset. */
  token: string | undefined;
  log: LogFn;
}

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);
/** Readable without credentials, like the system:public-info-viewer role allows. */
const PUBLIC_PATHS = new Set(['/version', ...HEALTH_PATHS]);

function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match !== null && (token === undefined || match[1] === token);
}

async function route(ctx: HandlerContext, options: ApiServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://kubesim');
  const pathname = url.pathname.replace(/\/+$/, '') || '/';
  if (!PUBLIC_PATHS.has(pathname) && !isAuthorized(req, options.token)) {
    throw unauthorized();
  }
  if (HEALTH_PATHS.has(pathname)) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  const document = discoveryDocument(pathname, req.headers.host ?? '');
  if (document !== undefined) {
    if (req.method !== 'GET') {
      throw methodNotAllowed();
    }
    // Plain application/json (no ;g=apidiscovery.k8s.io) tells kubectl to use legacy discovery.
    sendJson(res, 200, document);
    return;
  }
  const path = parseResourcePath(pathname);
  if (!path) {
    throw unknownPath();
  }
  await handleResource(ctx, req, res, path, url.searchParams);
}

export function createApiHandler(ctx: HandlerContext, options: ApiServerOptions): RequestListener {
  return (req, res) => {
    const started = Date.now();
    res.on('finish', () => options.log('request', { method: req.method, path: req.url, status: res.statusCode, ms: Date.now() - started }));
    route(ctx, options, req, res).catch((err: unknown) => {
      if (res.headersSent) {
        // A stream (watch, log) already answered 200; all we can do is cut it.
        options.log('stream failed', { path: req.url, error: String(err) });
        res.destroy();
        return;
      }
      if (err instanceof ApiError) {
        sendApiError(res, err);
        return;
      }
      options.log('internal error', { method: req.method, path: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      sendApiError(res, internalError(err instanceof Error ? err.message : String(err)));
    });
  };
}
