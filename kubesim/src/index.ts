/**
 * kubesim: a simulated Kubernetes API server for tests, e2e and `npm start`.
 *
 * Real clients (client-node, kubectl) talk to it over plain HTTP. Jobs run
 * their first container's command as local processes; see README-level notes
 * in the module headers (pod-runner.ts, job-controller.ts) for the lifecycle.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createDeleter } from './object-delete.ts';
import { createGarbageCollector } from './garbage-collector.ts';
import { createJobController } from './job-controller.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { createNamespaceController } from './namespace-controller.ts';
import { createObject } from './object-write.ts';
import { createPodRunner } from './pod-runner.ts';
import { NAMESPACES } from './resource-registry.ts';
import { createApiHandler } from './server.ts';
import { createDualListener } from './listener.ts';
import { createStore } from './store.ts';
import { createWatchHub } from './watch.ts';

export interface KubeSimOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** cwd of pod processes; default os.tmpdir(). */
  workDir?: string;
  /** Delay between a pod being scheduled and its containers starting; default 0. */
  podStartDelayMs?: number;
  /** Accept only this bearer token (default: any non-empty token). Also written to the kubeconfig. */
  token?: string;
  /** Watch events kept per resource for resuming watches; older versions get 410 Gone. Default 1000. */
  watchHistorySize?: number;
  /** Job controller's first retry delay after a failed pod (doubles per failure); default 1000 ms (real: 10 s). */
  jobBackoffMs?: number;
  /** First CrashLoopBackOff delay for restarting containers; default 1000 ms (real: 10 s). */
  restartBackoffMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface KubeSim {
  url: string;
  port: number;
  /** Kubeconfig YAML: cluster server=url with insecure-skip-tls-verify, user token, context `kubesim`. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  /** Kills every pod process, ends open watches and log streams, stops the server. */
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const log = opts.log ?? (() => undefined);
  // Containers run with this as their working directory: a missing one would fail every start.
  const workDir = opts.workDir ?? tmpdir();
  await mkdir(workDir, { recursive: true });
  const store = createStore();
  const deleter = createDeleter(store);
  // The watch hub subscribes first so its history sees every write, including bootstrap.
  const watchHub = createWatchHub(store, opts.watchHistorySize ?? 1000);
  const podRunner = createPodRunner({
    store,
    workDir,
    startDelayMs: opts.podStartDelayMs ?? 0,
    nodeName: 'kubesim',
    restartBackoffMs: opts.restartBackoffMs ?? 1000,
    log,
  });
  const controllers = [
    podRunner,
    createJobController({ store, deleter, backoffMs: opts.jobBackoffMs ?? 1000, log }),
    createGarbageCollector(store, deleter, log),
    createNamespaceController(store, deleter, log),
  ];
  for (const name of SYSTEM_NAMESPACES) {
    createObject(store, NAMESPACES, '', { metadata: { name } });
  }
  const listener = createDualListener(createApiHandler({ store, deleter, watchHub, podRunner }, { token: opts.token, log }));
  const server = listener.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  // The kubeconfig names https on the same port: kubectl sends tokens only over TLS.
  const kubeconfig = (): string => renderKubeconfig(`https://${host}:${address.port}`, opts.token ?? 'kubesim');
  log('kubesim listening', { url });

  return {
    url,
    port: address.port,
    kubeconfig,
    writeKubeconfig: (path) => writeFile(path, kubeconfig(), { mode: 0o600 }),
    async close() {
      controllers.forEach((c) => c.close());
      watchHub.close();
      await listener.close();
    },
  };
}
