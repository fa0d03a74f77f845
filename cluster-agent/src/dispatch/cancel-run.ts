/**
 * The Kubernetes side of a cancel (issue 4 item 4): delete every Job of the
 * run this installation manages — the one the edge named, and any found by
 * the `stageline.dev/run-id` label — with propagationPolicy Background, so
 * the pods and the run Secret (owned by the Job) go too. API failures are
 * retried with backoff; the caller confirms `canceled` only after success.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff } from '../connection/backoff.ts';
import type { KubeGateway } from '../kube/kube-gateway.ts';
import { describeKubeError } from '../kube/kube-errors.ts';
import type { Logger } from '../lib/log.ts';

export interface CancelTarget {
  runId: string;
  namespace: string | null | undefined;
  jobName: string | null | undefined;
}

async function deleteOnce(gateway: KubeGateway, target: CancelTarget): Promise<string[]> {
  const named = target.namespace && target.jobName ? [{ namespace: target.namespace, name: target.jobName }] : [];
  const found = (await gateway.findRunJobs(target.runId)).map((job) => ({ namespace: job.namespace, name: job.name }));
  const all = [...named, ...found.filter((job) => !named.some((n) => n.namespace === job.namespace && n.name === job.name))];
  const deleted: string[] = [];
  for (const job of all) {
    if ((await gateway.deleteJob(job.namespace, job.name)) === 'deleted') {
      deleted.push(`${job.namespace}/${job.name}`);
    }
  }
  return deleted;
}

/** The deleted Jobs (`ns/name`), or undefined when the API kept failing or `signal` aborted. */
export async function deleteRunJobs(gateway: KubeGateway, target: CancelTarget, log: Logger, signal: AbortSignal, random: () => number = Math.random): Promise<string[] | undefined> {
  const backoff = createBackoff(random, { initialMs: 200, maxMs: 5000, factor: 2, jitter: 0.2 });
  for (let attempt = 1; attempt <= 5 && !signal.aborted; attempt += 1) {
    try {
      return await deleteOnce(gateway, target);
    } catch (error) {
      log.warn('deleting the jobs of a canceled run failed', { attempt, reason: describeKubeError(error) });
      await sleep(backoff.next(), undefined, { signal }).catch(() => undefined);
    }
  }
  return undefined;
}
