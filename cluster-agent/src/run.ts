/**
 * Composition root of the cluster-agent: logger, kube gateway, edge session,
 * dispatcher. `run()` resolves when `signal` aborts; main.ts, `npm start` and
 * the e2e tests call it in-process.
 *
 * START-UP
 *   gateway (client-node; KUBECONFIG or in-cluster) ─► adopt managed Jobs still running
 *   ─► edge session (socket, HTTP fallback) serving the dispatcher ─► … ─► abort ─► stop work
 */
import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import type { BackoffPolicy } from './connection/backoff.ts';
import { createEdgeSession } from './connection/edge-session.ts';
import { createFrameIds } from './connection/frame-ids.ts';
import { createOutbox } from './connection/outbox.ts';
import { createDispatcher } from './dispatch/dispatcher.ts';
import { createClientNodeGateway } from './kube/client-node-gateway.ts';
import type { KubeGateway } from './kube/kube-gateway.ts';
import { createLogger, withMutableContext, type Logger } from './lib/log.ts';

export type { Config } from './config.ts';
export { parseConfig, formatConfigError } from './config.ts';
export type { Logger } from './lib/log.ts';
export { createLogger } from './lib/log.ts';
export type { KubeGateway } from './kube/kube-gateway.ts';

export interface RunDeps {
  log?: Logger;
  /** Stops the agent; without it run() never resolves. */
  signal?: AbortSignal;
  /** Cluster access; defaults to `loadFromDefault()` (KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeConfig?: KubeConfig;
  /** Replaces the client-node gateway (tests use an in-memory fake). */
  gateway?: KubeGateway;
  /** Randomness for backoff jitter. */
  random?: () => number;
  /** Reconnect schedule; defaults to 500 ms → 30 s, ×2, ±20 %. */
  backoff?: BackoffPolicy;
}

export async function run(config: Config, deps: RunDeps = {}): Promise<void> {
  const log = withMutableContext(deps.log ?? createLogger({ level: config.logLevel }));
  log.setContext({ instanceId: config.instanceId });
  const signal = deps.signal ?? new AbortController().signal;
  const random = deps.random ?? Math.random;
  const gateway = deps.gateway ?? createClientNodeGateway({ kubeConfig: deps.kubeConfig ?? loadDefaultKubeConfig(), log: log.with({ component: 'kube' }), random });

  const session = createEdgeSession({
    socketUrl: config.edgeSocketUrl,
    framesUrl: config.edgeFramesUrl,
    clusterToken: config.clusterToken,
    instanceId: config.instanceId,
    claimLimit: config.claimLimit,
    reconcileIntervalMs: config.reconcileIntervalMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    log: log.with({ component: 'edge' }),
    outbox: createOutbox(),
    nextId: createFrameIds(randomBytes(6).toString('hex')),
    random,
    backoff: deps.backoff,
    onWelcome: (clusterId) => log.setContext({ clusterId }),
  });
  const dispatcher = createDispatcher({
    gateway,
    sink: session,
    log: log.with({ component: 'dispatcher' }),
    namespacePrefix: config.runNamespacePrefix,
    maxRuns: config.claimLimit,
    job: {
      image: config.jobImage,
      command: config.jobCommand,
      activeDeadlineSeconds: config.jobActiveDeadlineSeconds,
      ttlSecondsAfterFinished: config.jobTtlSeconds,
      edgeUrl: config.edgeUrl,
    },
  });

  log.info('cluster-agent starting', { component: 'main', edge: config.edgeUrl });
  await dispatcher.adoptExisting();
  if (signal.aborted) {
    await dispatcher.stop();
    return;
  }
  await session.run(dispatcher, signal);
  await dispatcher.stop();
  log.info('cluster-agent stopped', { component: 'main' });
}

function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
