/**
 * Supervises one run Job until it ends, shipping its pod log as it goes.
 *
 *   pods (shared watch) ─► started ─► follow the log from the start (skip what the edge has) ─► log.append chunks
 *        └► stuck past the grace (ImagePullBackOff, Unschedulable, …) ─► end `stuck`
 *   Job (shared watch) ─► terminal condition ─► let the log stream end (≤ drain grace) ─► end `outcome`
 *   work aborted (cancel, lease lost, shutdown) ─► unsent log lines are discarded ─► end `aborted`
 *
 * The last log chunk is queued before the caller queues the terminal status,
 * so the edge always has the whole log when it sees the run end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameSink } from '../connection/session-types.ts';
import type { JobOutcome, JobRef, KubeGateway } from '../kube/kube-gateway.ts';
import { describeKubeError } from '../kube/kube-errors.ts';
import type { Logger } from '../lib/log.ts';
import { createLogBatcher } from './log-batcher.ts';
import { watchPodStart } from './pod-start.ts';

export interface SuperviseOptions {
  gateway: KubeGateway;
  sink: FrameSink;
  ref: JobRef;
  epoch: number;
  /** The claim's `logSeq` and `logLines`: where this epoch's log continues. */
  logStart: { seq: number; skipLines: number };
  podFailureGraceMs: number;
  drainGraceMs: number;
  logFlushMs?: number;
  now: () => number;
  log: Logger;
  /** Aborts the supervision (the Job is left alone). */
  signal: AbortSignal;
  onPodStarted?: () => void;
}

export type SupervisedEnd = { kind: 'outcome'; outcome: JobOutcome } | { kind: 'stuck'; reason: string } | { kind: 'aborted' };

const NEVER = new Promise<never>(() => undefined);

export async function superviseJob(o: SuperviseOptions): Promise<SupervisedEnd> {
  const { gateway, ref, signal } = o;
  const batcher = createLogBatcher({
    startSeq: o.logStart.seq,
    skipLines: o.logStart.skipLines,
    flushMs: o.logFlushMs,
    onChunk: (seq, lines) => o.sink.enqueue({ type: 'log.append', runId: ref.runId, epoch: o.epoch, seq, lines }),
  });
  const local = new AbortController();
  const stopAll = (): void => local.abort();
  signal.addEventListener('abort', stopAll, { once: true });
  const podStart = watchPodStart({ gateway, ref, graceMs: o.podFailureGraceMs, now: o.now, signal: local.signal });
  const following = podStart
    .then(async (verdict) => {
      if (verdict.kind === 'started') {
        o.onPodStarted?.();
        await gateway.followPodLog(ref, verdict.pod, (line) => batcher.push(line), local.signal);
      }
    })
    .catch((error: unknown) => o.log.warn('following the pod log failed', { reason: describeKubeError(error) }));
  const stuck = podStart.then((verdict) => (verdict.kind === 'stuck' ? { kind: 'stuck' as const, reason: verdict.reason } : NEVER));
  try {
    const first = await Promise.race([gateway.waitForJobOutcome(ref, local.signal).then((outcome) => ({ kind: 'outcome' as const, outcome })), stuck]);
    if (first.kind === 'outcome') {
      // The log stream ends when the container exits; give it a moment, then cut it.
      const grace = new AbortController();
      await Promise.race([following, sleep(o.drainGraceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
      grace.abort();
    }
    local.abort();
    await following;
    if (signal.aborted) {
      batcher.discard();
      return { kind: 'aborted' };
    }
    batcher.close();
    return first;
  } catch (error) {
    local.abort();
    batcher.discard();
    await following;
    if (signal.aborted) {
      return { kind: 'aborted' };
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', stopAll);
  }
}
