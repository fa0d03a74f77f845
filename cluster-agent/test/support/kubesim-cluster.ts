/**
 * The cluster the agent's Kubernetes tests run against: a kubesim per test file
 * by default, or the real cluster named by STAGELINE_TEST_KUBECONFIG (the same
 * tests, unchanged; see docs/deploy.md "Agent tests against a real cluster").
 * It comes with a client-node KubeConfig, typed API clients for assertions and
 * the agent's real gateway. Tests reach the cluster only over its API, as the
 * agent does.
 */
import { BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startKubeSim, type KubeSimOptions } from '@stageline/kubesim';
import type { ClaimedRun } from '@stageline/protocol';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClientNodeGateway } from '../../src/kube/client-node-gateway.ts';
import type { KubeGateway } from '../../src/kube/kube-gateway.ts';
import { createLogger } from '../../src/lib/log.ts';

/** Kubeconfig of a real cluster to test against instead of kubesim. */
const realKubeconfig = process.env['STAGELINE_TEST_KUBECONFIG'];

/** True when the tests run against a real cluster: tests of simulator-only knobs skip. */
export const onRealCluster = realKubeconfig !== undefined && realKubeconfig !== '';

/**
 * The image run Jobs use in tests. kubesim runs the command on this host and
 * accepts any pullable-looking image; a real cluster pulls it, so it must
 * contain `node` (STAGELINE_TEST_JOB_IMAGE, default node:22-alpine).
 */
export const testImage = process.env['STAGELINE_TEST_JOB_IMAGE'] ?? (onRealCluster ? 'node:22-alpine' : 'ghcr.io/stageline/runner:latest');

/** How long tests wait for the cluster: a real one schedules pods and pulls images. */
export const CLUSTER_WAIT = { timeout: onRealCluster ? 120_000 : 20_000, interval: 50 };

/**
 * A Job command that runs a Node script: this Node binary under kubesim (which
 * runs containers as local processes), the image's `node` on a real cluster.
 */
export function nodeCommand(script: string): string[] {
  return [onRealCluster ? 'node' : process.execPath, '-e', script];
}

export interface SimCluster {
  kubeConfig: KubeConfig;
  /** A fresh KubeConfig for an agent (run() owns its clients). */
  agentKubeConfig(): KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  net: NetworkingV1Api;
  gateway: KubeGateway;
  /** A kubeconfig file for a child process (a real cluster's own file, whose paths stay valid). */
  kubeconfigFile(): Promise<string>;
  close(): Promise<void>;
}

/** kubesim with these options, or the real cluster (where the options do not apply). */
export async function startSimCluster(options: KubeSimOptions = {}): Promise<SimCluster> {
  if (onRealCluster) {
    const file = realKubeconfig ?? '';
    // From the file, so paths in it (certificate-authority: ca.crt) resolve as kubectl resolves them.
    return clusterFrom((kc) => kc.loadFromFile(file), async () => file, async () => {});
  }
  const sim = await startKubeSim({ workDir: await mkdtemp(join(tmpdir(), 'agent-kubesim-')), restartBackoffMs: 100, ...options });
  const text = sim.kubeconfig();
  const kubeconfigFile = async (): Promise<string> => {
    const file = join(await mkdtemp(join(tmpdir(), 'kubesim-kubeconfig-')), 'kubeconfig.yaml');
    await writeFile(file, text, { mode: 0o600 });
    return file;
  };
  return clusterFrom((kc) => kc.loadFromString(text), kubeconfigFile, () => sim.close());
}

function clusterFrom(load: (kc: KubeConfig) => void, kubeconfigFile: () => Promise<string>, close: () => Promise<void>): SimCluster {
  const kubeConfig = new KubeConfig();
  load(kubeConfig);
  return {
    kubeConfig,
    agentKubeConfig() {
      const kc = new KubeConfig();
      load(kc);
      return kc;
    },
    core: kubeConfig.makeApiClient(CoreV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    net: kubeConfig.makeApiClient(NetworkingV1Api),
    gateway: createClientNodeGateway({ kubeConfig, log: createLogger({ level: 'error' }), installation: 'stageline' }),
    kubeconfigFile,
    close,
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
    launch: null,
    ...overrides,
  };
}
