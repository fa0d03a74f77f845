/**
 * Starts the real agent (`run()`) in-process against a fake edge and a kube
 * gateway, with fast timers, a free ops port and a captured JSON log.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { parseConfig, type EnvRecord } from '../../src/config.ts';
import type { KubeGateway } from '../../src/kube/kube-gateway.ts';
import { createLogger } from '../../src/lib/log.ts';
import { run } from '../../src/run.ts';
import type { FakeEdge } from '../fakes/fake-edge-server.ts';

export const INSTANCE_ID = 'cluster-1/agent-a';

export interface StartedAgent {
  lines: Array<Record<string, unknown>>;
  /** Resolves (or rejects) when run() does. */
  done: Promise<void>;
  /** The bound ops port (/metrics, /healthz, /readyz). */
  httpPort: Promise<number>;
  stop(): Promise<void>;
  logged(msg: string): Array<Record<string, unknown>>;
}

/** Pass `gateway` for a fake cluster, or `kubeConfig` to let run() build the client-node gateway. */
export function startAgent(edge: FakeEdge, cluster: { gateway?: KubeGateway; kubeConfig?: KubeConfig }, env: EnvRecord = {}): StartedAgent {
  const parsed = parseConfig(
    {
      STAGELINE_EDGE_URL: edge.url,
      STAGELINE_CLUSTER_TOKEN: edge.token,
      STAGELINE_INSTANCE_ID: INSTANCE_ID,
      STAGELINE_RECONCILE_INTERVAL: '200ms',
      STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL: '200ms',
      STAGELINE_LOG_LEVEL: 'debug',
      STAGELINE_HTTP_PORT: '0',
      ...env,
    },
    { hostname: 'test-host' },
  );
  if (!parsed.ok) {
    throw new Error(parsed.error.issues.join('; '));
  }
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const controller = new AbortController();
  let resolvePort: (port: number) => void = () => undefined;
  const httpPort = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  const done = run(parsed.value, {
    log,
    signal: controller.signal,
    ...cluster,
    random: () => 0.5,
    onReady: ({ httpPort: port }) => resolvePort(port),
  });
  // Observed through stop() or `done`; do not let an early failure become an unhandled rejection.
  done.catch(() => undefined);
  return {
    lines,
    done,
    httpPort,
    async stop() {
      controller.abort();
      await done;
    },
    logged: (msg) => lines.filter((line) => line.msg === msg),
  };
}
