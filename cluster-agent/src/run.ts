/**
 * Composition root of the cluster-agent: logger, metrics, kube gateway, edge
 * session, dispatcher, namespace sweeper and the ops endpoint. `run()`
 * resolves when `signal` aborts; main.ts, `npm start` and the e2e tests call
 * it in-process. `sweepOnce()` is the `--sweep-once` mode of the chart's
 * optional CronJob.
 *
 * START-UP
 *   gateway (client-node; KUBECONFIG or in-cluster) ─► ops endpoint (/metrics /healthz /readyz)
 *   ─► edge session (socket, HTTP fallback) serving the dispatcher: welcome.heldRuns resume,
 *      claims start runs ─► every reconcile tick: namespace sweep ─► abort ─► stop work, close
 */
import { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import type { BackoffPolicy } from './connection/backoff.ts';
import { createEdgeSession, type EdgeSession } from './connection/edge-session.ts';
import { createFrameIds } from './connection/frame-ids.ts';
import { buildHelloFrame } from './connection/hello.ts';
import { createOutbox } from './connection/outbox.ts';
import { askInChunks, queryRunsOverHttp } from './connection/run-queries.ts';
import { createDispatcher, type Dispatcher } from './dispatch/dispatcher.ts';
import type { MaterializeSettings } from './dispatch/materialize-run.ts';
import { createNamespaceSweeper, type CleanupCommand, type SweepSummary } from './dispatch/sweep.ts';
import { createClientNodeGateway } from './kube/client-node-gateway.ts';
import { toObservedJobs } from './kube/job-status.ts';
import type { KubeGateway } from './kube/kube-gateway.ts';
import type { JobSettings } from './kube/manifests.ts';
import { createLogger, withMutableContext, type Logger } from './lib/log.ts';
import { trackKubeHealth, type KubeHealth } from './ops/kube-health.ts';
import { createAgentMetrics, type AgentMetrics } from './ops/metrics.ts';
import { startOpsServer } from './ops/ops-server.ts';
import { decideReadiness } from './ops/readiness.ts';
import { createDatabaseAdmin } from './ops/database-admin.ts';

export type { Config } from './config.ts';
export { parseConfig, formatConfigError } from './config.ts';
export type { Logger } from './lib/log.ts';
export { createLogger } from './lib/log.ts';
export type { KubeGateway } from './kube/kube-gateway.ts';
export type { SweepSummary } from './dispatch/sweep.ts';

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
  /** Called once the ops endpoint listens (STAGELINE_HTTP_PORT=0 picks the port). */
  onReady?: (info: { httpPort: number }) => void;
}

function materializeSettings(config: Config): MaterializeSettings {
  return {
    installation: config.installation,
    namespacePrefix: config.runNamespacePrefix,
    namespaceTtl: config.namespaceTtl,
    quotaPods: config.runQuotaPods,
    limitRange: config.runLimitRange,
    egress: config.runEgress,
    modelApiKey: config.modelApiKey,
  };
}

function jobSettings(config: Config): JobSettings {
  return {
    image: config.jobImage,
    command: config.jobCommand,
    activeDeadlineSeconds: config.jobActiveDeadlineSeconds,
    ttlSecondsAfterFinished: config.jobTtlSeconds,
    edgeUrl: config.edgeUrl,
    installation: config.installation,
    profiles: config.jobProfiles,
    withModelApiKey: config.modelApiKey !== undefined,
    extraEnv: config.jobEnv,
  };
}

function sweeperFor(config: Config, gateway: KubeGateway, log: Logger, command: CleanupCommand, queryRuns: (ids: readonly string[]) => ReturnType<EdgeSession['queryRuns']>, metrics?: AgentMetrics) {
  return createNamespaceSweeper({
    gateway,
    log: log.with({ component: 'sweep' }),
    installation: config.installation,
    prefix: config.runNamespacePrefix,
    fallbackTtlSeconds: config.namespaceTtl.defaultSeconds,
    limit: config.namespaceSweepLimit,
    command,
    queryRuns,
    now: () => new Date(),
    onDeleted: () => metrics?.namespacesDeleted.inc(),
  });
}

/** Sweep every reconcile tick, one at a time, and only while the edge speaks our protocol. */
function startSweeping(config: Config, gateway: KubeGateway, session: EdgeSession, log: Logger, metrics: AgentMetrics): () => void {
  if (!config.namespaceCleanup) {
    return () => undefined;
  }
  const sweeper = sweeperFor(config, gateway, log, 'agent_tick', (ids) => session.queryRuns(ids), metrics);
  let running = false;
  const timer = setInterval(() => {
    if (running || session.isCompatible() !== true) {
      return;
    }
    running = true;
    sweeper
      .sweep()
      .catch((error: unknown) => log.warn('namespace sweep failed', { component: 'sweep', error }))
      .finally(() => {
        running = false;
      });
  }, config.reconcileIntervalMs);
  return () => clearInterval(timer);
}

async function startOps(config: Config, parts: { metrics: AgentMetrics; session: EdgeSession; health: KubeHealth; dispatcher: Dispatcher; alive: () => boolean; log: Logger }) {
  const server = await startOpsServer({
    port: config.httpPort,
    registry: parts.metrics.registry,
    alive: parts.alive,
    log: parts.log,
    readiness: () => {
      const edge = parts.session.contact();
      const windowMs = 2 * Math.max(edge.heartbeatMs, config.heartbeatIntervalMs, config.reconcileIntervalMs);
      return decideReadiness({ now: Date.now(), windowMs, edge, kubeOk: parts.health.lastOk() });
    },
  });
  parts.log.info('ops endpoint listening', { port: server.port });
  return server;
}

export async function run(config: Config, deps: RunDeps = {}): Promise<void> {
  const log = withMutableContext(deps.log ?? createLogger({ level: config.logLevel }));
  log.setContext({ instanceId: config.instanceId });
  const signal = deps.signal ?? new AbortController().signal;
  const random = deps.random ?? Math.random;
  const metrics = createAgentMetrics();
  const { gateway, health } = trackKubeHealth(
    deps.gateway ?? createClientNodeGateway({ kubeConfig: deps.kubeConfig ?? loadDefaultKubeConfig(), log: log.with({ component: 'kube' }), installation: config.installation, random }),
  );
  const outbox = createOutbox();
  const session = createEdgeSession({
    socketUrl: config.edgeSocketUrl,
    framesUrl: config.edgeFramesUrl,
    clusterToken: config.clusterToken,
    instanceId: config.instanceId,
    claimLimit: config.claimLimit,
    reconcileIntervalMs: config.reconcileIntervalMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    log: log.with({ component: 'edge' }),
    outbox,
    nextId: createFrameIds(randomBytes(6).toString('hex')),
    random,
    backoff: deps.backoff,
    onWelcome: (clusterId) => log.setContext({ clusterId }),
    onReconnect: () => metrics.edgeReconnects.inc(),
    onQueueDepth: (depth) => metrics.queueDepth.set(depth),
    transport: config.edgeTransport,
  });
  const dispatcher = createDispatcher({
    gateway,
    sink: session,
    log: log.with({ component: 'dispatcher' }),
    settings: materializeSettings(config),
    job: jobSettings(config),
    maxRuns: config.maxRuns,
    podFailureGraceMs: config.podFailureGraceMs,
    keepaliveIntervalMs: config.heartbeatIntervalMs,
    metrics,
    random,
    databases: createDatabaseAdmin(config.databaseAdminUrls),
  });
  metrics.observe({ runsInProgress: () => dispatcher.runsInProgress(), logBacklog: () => outbox.logBacklog(), now: () => Date.now() });
  let alive = true;
  const server = await startOps(config, { metrics, session, health, dispatcher, alive: () => alive, log: log.with({ component: 'ops' }) }).catch(async (error: unknown) => {
    await dispatcher.stop();
    throw new Error(`ops endpoint could not listen on port ${config.httpPort}`, { cause: error });
  });
  deps.onReady?.({ httpPort: server.port });
  log.info('cluster-agent starting', { component: 'main', edge: config.edgeUrl, installation: config.installation });
  const stopSweeping = startSweeping(config, gateway, session, log, metrics);
  try {
    await session.run(dispatcher, signal);
  } finally {
    stopSweeping();
    await dispatcher.stop();
    alive = false;
    await server.close();
  }
  log.info('cluster-agent stopped', { component: 'main' });
}

export interface SweepOnceDeps {
  log?: Logger;
  kubeConfig?: KubeConfig;
  gateway?: KubeGateway;
  fetch?: typeof fetch;
}

/** `--sweep-once`: one sweep, asking the edge over HTTP (no socket), then a JSON summary line. */
export async function sweepOnce(config: Config, deps: SweepOnceDeps = {}): Promise<SweepSummary> {
  const log = (deps.log ?? createLogger({ level: config.logLevel })).with({ instanceId: config.instanceId });
  const gateway = deps.gateway ?? createClientNodeGateway({ kubeConfig: deps.kubeConfig ?? loadDefaultKubeConfig(), log: log.with({ component: 'kube' }), installation: config.installation });
  const nextId = createFrameIds(`sweep-${randomBytes(4).toString('hex')}`);
  const headers = { Authorization: `Bearer ${config.clusterToken}`, 'X-Stageline-Instance-Id': config.instanceId };
  const queryRuns = (runIds: readonly string[]) =>
    askInChunks(runIds, async (chunk) => {
      const hello = buildHelloFrame(nextId(), config.instanceId, toObservedJobs(await gateway.listManagedJobs()));
      return queryRunsOverHttp({ url: config.edgeFramesUrl, headers, hello, nextId, runIds: chunk, signal: AbortSignal.timeout(30_000), fetch: deps.fetch });
    });
  const summary = await sweeperFor(config, gateway, log, 'cronjob', queryRuns).sweep();
  log.info('namespace sweep summary', { component: 'sweep', cleanup_command: 'cronjob', ...summary });
  return summary;
}

function loadDefaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
