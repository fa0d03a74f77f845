/**
 * A plain-HTTP proxy in front of kubesim that counts the watch requests it
 * forwards and can cut the open ones, as a load balancer or an API server
 * restart would. The agent reaches it through an ordinary kubeconfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiProxy {
  kubeConfig(): KubeConfig;
  /** Watch requests forwarded so far, by path (without the query). */
  watches(): string[];
  /** Collection GETs that are not watches (lists), by path. */
  lists(): string[];
  /** While held, watch requests are answered 503 (an API server going away). */
  holdWatches(held: boolean): void;
  /** End every open watch response (the client sees the stream end). */
  cutWatches(): void;
  close(): Promise<void>;
}

export async function startApiProxy(target: string): Promise<ApiProxy> {
  const upstream = new URL(target);
  const watches: string[] = [];
  const lists: string[] = [];
  const open = new Set<ServerResponse>();
  let held = false;
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', upstream);
    if (url.searchParams.get('watch') === 'true') {
      if (held) {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable' }));
        return;
      }
      watches.push(url.pathname);
      open.add(res);
      res.on('close', () => open.delete(res));
    } else if (req.method === 'GET') {
      lists.push(url.pathname);
    }
    const out = request(url, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'proxy', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'agent', token: 'proxy-token' }],
        contexts: [{ name: 'proxy', cluster: 'proxy', user: 'agent' }],
        currentContext: 'proxy',
      });
      return kc;
    },
    watches: () => [...watches],
    lists: () => [...lists],
    holdWatches(next) {
      held = next;
    },
    cutWatches() {
      for (const res of open) {
        res.end();
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
