import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MCP_PROXY_MAX_BODY, startMcpProxy, type McpProxy } from '../src/mcp-proxy.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for the edge's /mcp: records each request and answers an SSE stream naming the bearer it saw. */
async function startEdge(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'none', 'x-internal': 'secret-header' });
      res.write(`event: message\ndata: {"seen":"${req.headers.authorization}"}\n\n`);
      res.end('event: message\ndata: {"done":true}\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) {
    await closers.pop()?.();
  }
});

async function setup(): Promise<{ proxy: McpProxy; edge: Awaited<ReturnType<typeof startEdge>>; tokenFile: string }> {
  const edge = await startEdge();
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-proxy-'));
  const tokenFile = path.join(dir, 'run-token');
  await writeFile(tokenFile, 'token-1\n');
  const proxy = await startMcpProxy({ edgeMcpUrl: edge.url, token: async () => (await readFile(tokenFile, 'utf8')).trim() });
  closers.push(edge.close, proxy.close);
  return { proxy, edge, tokenFile };
}

const post = (proxy: McpProxy, body: string, bearer = proxy.secret) =>
  fetch(proxy.url, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', cookie: 'x=1' }, body });

describe('the loopback MCP proxy', () => {
  it('forwards each request with the run token as read at that moment, and streams the answer back', async () => {
    const { proxy, edge, tokenFile } = await setup();
    const first = await post(proxy, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/event-stream');
    expect(first.headers.get('x-internal')).toBeNull();
    expect(await first.text()).toBe('event: message\ndata: {"seen":"Bearer token-1"}\n\nevent: message\ndata: {"done":true}\n\n');

    // The cluster-agent renews the token in the Secret; the next call carries the new one.
    await writeFile(tokenFile, 'token-2\n');
    const second = await post(proxy, '{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
    expect(await second.text()).toContain('"seen":"Bearer token-2"');

    expect(edge.seen.map((s) => [s.method, s.url, s.headers.authorization, s.body])).toEqual([
      ['POST', '/mcp', 'Bearer token-1', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'],
      ['POST', '/mcp', 'Bearer token-2', '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'],
    ]);
    // Only the MCP headers travel; nothing else the client sent.
    expect(edge.seen[0]?.headers['mcp-protocol-version']).toBe('2025-06-18');
    expect(edge.seen[0]?.headers.cookie).toBeUndefined();
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('refuses a missing or wrong secret with 401 and forwards nothing', async () => {
    const { proxy, edge } = await setup();
    expect((await fetch(proxy.url, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await post(proxy, '{}', 'token-1')).status).toBe(401);
    expect((await post(proxy, '{}', `${proxy.secret}x`)).status).toBe(401);
    expect(edge.seen).toEqual([]);
  });

  it('refuses an oversized body with 413 and another path with 404, forwarding nothing', async () => {
    const { proxy, edge } = await setup();
    const big = await post(proxy, `{"pad":"${'a'.repeat(MCP_PROXY_MAX_BODY)}"}`);
    expect(big.status).toBe(413);
    const other = await fetch(proxy.url.replace('/mcp', '/runner/v1/run'), { headers: { authorization: `Bearer ${proxy.secret}` } });
    expect(other.status).toBe(404);
    expect(edge.seen).toEqual([]);
  });

  it('answers 502 when the edge cannot be reached', async () => {
    const { proxy, edge } = await setup();
    await edge.close();
    const res = await post(proxy, '{}');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'edge unreachable' });
  });
});
