/**
 * A plain-HTTP proxy in front of the test cluster that counts the watch
 * requests it forwards and can cut the open ones, as a load balancer or an API
 * server restart would. The agent reaches it through an ordinary kubeconfig;
 * the proxy speaks to the cluster with the cluster's own kubeconfig (TLS, CA,
 * client certificate or token), so it works in front of kubesim and of a real
 * API server alike.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
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

export async function startApiProxy(upstreamConfig: KubeConfig): Promise<ApiProxy> {
  const cluster = upstreamConfig.getCurrentCluster();
  if (cluster === null) {
    throw new Error('the upstream kubeconfig has no current cluster');
  }
  const upstream = new URL(cluster.server);
  // CA, client certificate and key, bearer token: whatever the kubeconfig uses.
  const credentials: RequestOptions = {};
  await upstreamConfig.applyToHTTPSOptions(credentials);
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
    // The agent's own (dummy) token is replaced by the upstream credentials.
    const { authorization: _dropped, ...headers } = req.headers;
    const options: RequestOptions = { ...credentials, method: req.method, headers: { ...headers, ...credentials.headers, host: upstream.host } };
    const onAnswer = (answer: IncomingMessage): void => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    };
    const out = upstream.protocol === 'https:' ? httpsRequest(url, options, onAnswer) : httpRequest(url, options, onAnswer);
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
