/**
 * The engine's MCP server, on the pod's loopback: it forwards each request to
 * the edge's `/mcp` with the run token read fresh from its file. The agent
 * CLIs read their bearer once, at start; the run token lives 15 minutes and is
 * renewed with the lease (edge/src/auth/run-token.ts), so a turn longer than
 * that would lose its tools if the CLI held the token itself. The CLI holds a
 * per-run loopback secret instead, which is worth nothing off the pod.
 *
 * Bodies are streamed both ways (Streamable HTTP answers may be SSE); a
 * request body over the edge's cap is refused here with the same 413.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** The edge refuses larger MCP bodies (edge/src/routes/mcp.ts); refusing here spares the upload. */
export const MCP_PROXY_MAX_BODY = 64 * 1024;
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'mcp-session-id', 'cache-control', 'retry-after'];

export interface McpProxy {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  /** The bearer the engine presents to the proxy. */
  secret: string;
  close(): Promise<void>;
}

function sameSecret(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(secret);
  return given.length === want.length && timingSafeEqual(given, want);
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MCP_PROXY_MAX_BODY) {
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startMcpProxy(options: { edgeMcpUrl: string; token: () => Promise<string>; fetch?: typeof fetch }): Promise<McpProxy> {
  const doFetch = options.fetch ?? fetch;
  const secret = randomBytes(32).toString('base64url');
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url !== '/mcp') {
        answer(res, 404, 'not found');
        return;
      }
      if (!sameSecret(req.headers.authorization, secret)) {
        answer(res, 401, 'unauthorized');
        return;
      }
      const body = req.method === 'POST' ? await readBody(req) : null;
      if (req.method === 'POST' && body === null) {
        answer(res, 413, `MCP request body over ${MCP_PROXY_MAX_BODY} bytes`);
        return;
      }
      const headers: Record<string, string> = { authorization: `Bearer ${await options.token()}` };
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') {
          headers[name] = value;
        }
      }
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const upstream = await doFetch(options.edgeMcpUrl, { method: req.method ?? 'GET', headers, ...(body === null ? {} : { body }), signal: abort.signal });
      const out: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = upstream.headers.get(name);
        if (value !== null) {
          out[name] = value;
        }
      }
      res.writeHead(upstream.status, out);
      if (upstream.body === null) {
        res.end();
        return;
      }
      Readable.fromWeb(upstream.body as WebReadableStream).pipe(res);
    })().catch(() => {
      // The edge unreachable (or the client gone): the engine's MCP client sees a 502 and retries or reports.
      if (!res.headersSent) {
        answer(res, 502, 'edge unreachable');
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    secret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
