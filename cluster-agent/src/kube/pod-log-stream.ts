/**
 * Following a pod log over node:http(s), one keep-alive Agent and one TLS
 * context for every stream, instead of client-node's `Log` (an undici fetch,
 * a web ReadableStream and a Readable.fromWeb per stream, and a TLS context
 * per connection). The agent follows one log per running pod, so this is per
 * run memory: about 40 % less per stream in a probe with 500 open streams
 * (docs/benchmarks.md).
 *
 * TLS material and credentials come from the kubeconfig
 * (KubeConfig.applyToHTTPSOptions: CA, client certificate, skip-verify, TLS
 * server name, token or exec/auth-provider credentials, impersonation), read
 * again for every request. The Agent and its TLS context are renewed every few
 * minutes, so a rotated CA or client certificate is picked up; streams under
 * way keep their old connection. A cluster behind a proxy uses client-node's
 * proxy agent.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import type { Writable } from 'node:stream';
import tls from 'node:tls';

const DEFAULT_MAX_AGE_MS = 5 * 60_000;
/** An idle pooled connection is closed after this long. */
const FREE_SOCKET_TIMEOUT_MS = 30_000;
/** Of an error response, at most this much body is kept for the message. */
const MAX_ERROR_BODY = 16 * 1024;

export interface PodLogTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** A non-200 answer, shaped like client-node's ApiException for kube-errors.ts (`code`, `body`). */
export class PodLogError extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string) {
    super(`HTTP ${code} from the pod log endpoint`);
    this.name = 'PodLogError';
    this.code = code;
    this.body = body;
  }
}

/**
 * Resolves once the log answers 200 and is piped into `sink` (which the
 * pipe ends when the log ends, or when the connection closes); rejects with
 * PodLogError on another status, or with the request's error (an abort).
 */
export type OpenPodLog = (target: PodLogTarget, sink: Writable, signal: AbortSignal) => Promise<void>;

type HttpsOptions = https.RequestOptions & { headers?: Record<string, string> };

export function createPodLogStreams(kubeConfig: KubeConfig, maxAgeMs = DEFAULT_MAX_AGE_MS, now: () => number = Date.now): OpenPodLog {
  let shared: { agent: http.Agent; since: number; protocol: string } | undefined;

  function pooledAgent(options: HttpsOptions, protocol: string): http.Agent {
    if (shared !== undefined && shared.protocol === protocol && now() - shared.since < maxAgeMs) {
      return shared.agent;
    }
    const common = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, scheduling: 'lifo' as const };
    const agent =
      protocol === 'http:'
        ? new http.Agent(common)
        : new https.Agent({
            ...common,
            rejectUnauthorized: options.rejectUnauthorized,
            servername: options.servername,
            // One TLS context for every connection of this Agent (tls.connect makes one per connection otherwise).
            secureContext: tls.createSecureContext({ ca: options.ca, cert: options.cert, key: options.key, pfx: options.pfx, passphrase: options.passphrase }),
          });
    shared = { agent, since: now(), protocol };
    return agent;
  }

  return async (target, sink, signal) => {
    signal.throwIfAborted();
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error('No currently active cluster');
    }
    const url = new URL(`${cluster.server}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/log`);
    url.searchParams.set('container', target.container);
    url.searchParams.set('follow', 'true');
    const options: HttpsOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    signal.throwIfAborted();
    const agent = cluster.proxyUrl ? (options.agent as http.Agent) : pooledAgent(options, url.protocol);
    const send = url.protocol === 'http:' ? http.request : https.request;
    await new Promise<void>((resolve, reject) => {
      const request = send(url, { method: 'GET', headers: options.headers, auth: options.auth, agent, signal }, (response) => {
        if (response.statusCode === 200) {
          // pipe() ends the sink on 'end'; a connection that closes before it (an abort, a drop) ends it too.
          // An error (ours: an abort) is followed by 'close', which ends the sink.
          response.on('error', () => undefined);
          response.once('close', () => {
            if (!sink.writableEnded) {
              sink.end();
            }
          });
          response.pipe(sink);
          resolve();
          return;
        }
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          body = (body + text).slice(0, MAX_ERROR_BODY);
        });
        response.once('error', reject);
        response.once('end', () => reject(new PodLogError(statusCodeFrom(response.statusCode ?? 0, body), body)));
      });
      request.once('error', reject);
      request.end();
    });
  };
}

/** client-node reports a 500 answered with a Status by the Status's own code. */
function statusCodeFrom(status: number, body: string): number {
  if (status !== 500) {
    return status;
  }
  try {
    const parsed = JSON.parse(body) as { code?: unknown };
    return typeof parsed.code === 'number' ? parsed.code : status;
  } catch {
    return status;
  }
}
