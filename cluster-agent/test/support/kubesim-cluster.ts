/**
 * A kubesim per test file, with a client-node KubeConfig, typed API clients
 * for assertions, and the agent's real gateway. Tests reach the simulator
 * only over HTTP, as the agent does.
 */
import { BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startKubeSim, type KubeSimOptions } from '@stageline/kubesim';
import type { ClaimedRun } from '@stageline/protocol';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientNodeGateway } from '../../src/kube/client-node-gateway.ts';
import type { KubeGateway } from '../../src/kube/kube-gateway.ts';
import { createLogger } from '../../src/lib/log.ts';

export interface SimCluster {
  /** Plain-HTTP URL of the simulator. */
  url: string;
  kubeConfig: KubeConfig;
  /** A fresh KubeConfig for an agent (run() owns its clients). */
  agentKubeConfig(): KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  net: NetworkingV1Api;
  gateway: KubeGateway;
  kubeconfigText: string;
  close(): Promise<void>;
}

export async function startSimCluster(options: KubeSimOptions = {}): Promise<SimCluster> {
  const sim = await startKubeSim({ workDir: await mkdtemp(join(tmpdir(), 'agent-kubesim-')), restartBackoffMs: 100, ...options });
  const kubeconfigText = sim.kubeconfig();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigText);
  return {
    url: sim.url,
    kubeConfig,
    agentKubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigText);
      return kc;
    },
    core: kubeConfig.makeApiClient(CoreV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    net: kubeConfig.makeApiClient(NetworkingV1Api),
    gateway: createClientNodeGateway({ kubeConfig, log: createLogger({ level: 'error' }), installation: 'stageline' }),
    kubeconfigText,
    close: () => sim.close(),
  };
}

let counter = 0;

/** A claimed run with a unique id and issue number. */
export function claimedRun(overrides: Partial<ClaimedRun> = {}): ClaimedRun {
  counter += 1;
  // Random: names derive from the id's first characters (policy runJobName, runNamespaceName).
  const runId = randomUUID();
  return {
    runId,
    correlationId: `delivery-${counter}`,
    epoch: 1,
    jobName: null,
    attemptNo: 1,
    projectId: 'proj-1',
    repositoryFullName: 'acme/app',
    issueNumber: 1000 + counter,
    triggerKind: 'dev',
    triggerLabel: 'run:dev',
    agentKey: 'dev',
    leaseUntil: '2026-11-22T10:45:00.000Z',
    takeover: false,
    logSeq: 0,
    logLines: 0,
    runToken: `srt_token_${counter}`,
    queuedAt: null,
    ...overrides,
  };
}
