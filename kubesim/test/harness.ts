/**
 * Starts a simulator and real client-node clients against it. Tests talk to
 * kubesim only through these clients (and kubectl), never through internals.
 */
import * as k8s from '@kubernetes/client-node';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeSim, KubeSimOptions } from '../src/index.ts';
import { startKubeSim } from '../src/index.ts';

export interface Harness {
  sim: KubeSim;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
  rbac: k8s.RbacAuthorizationV1Api;
  net: k8s.NetworkingV1Api;
  workDir: string;
}

export async function startHarness(options: KubeSimOptions = {}): Promise<Harness> {
  const workDir = await mkdtemp(join(tmpdir(), 'kubesim-test-'));
  const sim = await startKubeSim({ workDir, ...options });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  return {
    sim,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    net: kc.makeApiClient(k8s.NetworkingV1Api),
    workDir,
  };
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Polls until `probe` returns a value other than undefined, or fails with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: lastError });
}

/** The ApiException a client-node call rejects with, for asserting on status codes and bodies. */
export async function apiError(call: Promise<unknown>): Promise<k8s.ApiException<unknown>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

export function statusBody(err: k8s.ApiException<unknown>): Record<string, unknown> {
  const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  if (typeof body !== 'object' || body === null) {
    throw new Error(`not a Status body: ${String(err.body)}`);
  }
  return body as Record<string, unknown>;
}

export function nodeJob(name: string, script: string, extra: Partial<k8s.V1JobSpec> = {}, env: k8s.V1EnvVar[] = []): k8s.V1Job {
  return {
    metadata: { name, labels: { app: 'kubesim-test' } },
    spec: {
      backoffLimit: 0,
      ...extra,
      template: {
        metadata: { labels: { role: 'runner' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'node:22', command: [process.execPath, '-e', script], env }],
        },
      },
    },
  };
}
