/**
 * The fake edge's run table and its answers to agent frames (protocol 1.2.0),
 * with the real edge's fencing: every status goes through `transitionRun`
 * from @stageline/policy (lease owner + epoch), a claim takes pending runs and
 * takes over running runs whose lease expired (`takeover: true`), a heartbeat
 * renews held leases and names the lost ones, a log chunk is stored once per
 * (run, epoch, seq), and `canceled` is accepted only as the confirmation of a
 * cancel at the current epoch.
 *
 * It also checks what the real edge cannot: each (run, epoch) must receive
 * chunk seqs 0, 1, 2, … without gaps (`violations`).
 */
import { isActiveStatus, transitionRun, type RunEvent, type RunState } from '@stageline/policy';
import type { AgentFrame, ClaimedRun, EdgeFrame, LogAppendFrame, RunStatusFrame } from '@stageline/protocol';

export interface FakeRun extends RunState {
  claim: Omit<ClaimedRun, 'epoch' | 'leaseUntil' | 'takeover' | 'logSeq' | 'logLines' | 'runToken'>;
  reason?: string | null;
  /** The agent confirmed the cancel (run.status canceled). */
  cancelConfirmed?: boolean;
}

export interface AppliedStatus {
  frameId: string;
  runId: string;
  epoch: number;
  status: RunStatusFrame['status'];
  jobName?: string;
  namespace?: string;
  reason?: string;
}

export interface StoredChunk {
  epoch: number;
  seq: number;
  lines: string[];
}

const LEASE_MS = 45 * 60_000;

const STATUS_EVENT: Record<Exclude<RunStatusFrame['status'], 'canceled'>, (frame: RunStatusFrame, owner: string) => RunEvent> = {
  running: (f, owner) => ({ kind: 'job_started', owner, epoch: f.epoch, jobName: f.jobName ?? '', namespace: f.namespace ?? '' }),
  succeeded: (f, owner) => ({ kind: 'job_succeeded', owner, epoch: f.epoch }),
  failed: (f, owner) => ({ kind: 'job_failed', owner, epoch: f.epoch, reason: f.reason ?? '' }),
  timed_out: (f, owner) => ({ kind: 'job_timed_out', owner, epoch: f.epoch, reason: f.reason ?? '' }),
};

/** The run token the fake mints for a claim: recognisable, so tests can prove it never leaks. */
export function fakeRunToken(runId: string, epoch: number): string {
  return `srt_${runId.replace(/-/g, '')}_${epoch}_secret`;
}

/** The n-th token the fake renews with a heartbeat (recognisable, never a real JWT). */
export function fakeRenewedToken(runId: string, epoch: number, n: number): string {
  return `srt_${runId.replace(/-/g, '')}_${epoch}_renewed_${n}`;
}

export class FakeEdgeRuns {
  readonly runs = new Map<string, FakeRun>();
  readonly order: string[] = [];
  readonly applied: AppliedStatus[] = [];
  readonly chunks = new Map<string, StoredChunk[]>();
  readonly violations: string[] = [];
  readonly lostReported: string[] = [];
  /** Set: every heartbeat answer carries a renewed token (protocol 1.4) living this long per renewed lease. */
  tokenTtlMs: number | undefined;
  private renewals = 0;

  /** The claim projection at the run's current epoch, with the log position of that epoch. */
  toClaimed(run: FakeRun, takeover: boolean): ClaimedRun {
    const stored = (this.chunks.get(run.claim.runId) ?? []).filter((c) => c.epoch === run.leaseEpoch);
    return {
      ...run.claim,
      // As the edge does: the Job recorded by job_started travels with every later claim.
      jobName: run.jobName ?? null,
      epoch: run.leaseEpoch,
      leaseUntil: (run.leaseUntil ?? new Date()).toISOString(),
      takeover,
      logSeq: stored.length === 0 ? 0 : Math.max(...stored.map((c) => c.seq)) + 1,
      logLines: stored.reduce((n, c) => n + c.lines.length, 0),
      runToken: fakeRunToken(run.claim.runId, run.leaseEpoch),
    };
  }

  /** Runs `owner` still holds: resumed from the welcome. */
  heldBy(owner: string): ClaimedRun[] {
    return this.order.flatMap((id) => {
      const run = this.runs.get(id);
      return run && run.leaseOwner === owner && run.status === 'running' ? [this.toClaimed(run, false)] : [];
    });
  }

  claim(limit: number, owner: string, ref: string): EdgeFrame {
    const claimed: ClaimedRun[] = [];
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + LEASE_MS);
    for (const runId of this.order) {
      const run = this.runs.get(runId);
      if (!run || claimed.length >= limit) {
        continue;
      }
      const takeover = run.status === 'running';
      const event: RunEvent = takeover ? { kind: 'reclaim', owner, leaseUntil, ownerExpired: false } : { kind: 'claim', owner, leaseUntil };
      const change = transitionRun(run, event, now);
      if (change.ok) {
        Object.assign(run, { status: change.value.status, leaseOwner: change.value.leaseOwner, leaseEpoch: change.value.leaseEpoch, leaseUntil: change.value.leaseUntil });
        claimed.push(this.toClaimed(run, takeover));
      }
    }
    return { type: 'claim.result', ref, runs: claimed, queueDepth: this.queueDepth() };
  }

  /** Runs waiting to be claimed, as the edge reports them. */
  queueDepth(): number {
    return [...this.runs.values()].filter((r) => r.status === 'pending').length;
  }

  heartbeat(frame: Extract<AgentFrame, { type: 'heartbeat' }>, owner: string): EdgeFrame {
    const now = new Date();
    const lost: string[] = [];
    const tokens: { runId: string; epoch: number; token: string; expiresAt: string }[] = [];
    for (const held of frame.runs) {
      const run = this.runs.get(held.runId);
      const renewed = run ? transitionRun(run, { kind: 'heartbeat', owner, epoch: held.epoch, leaseUntil: new Date(now.getTime() + LEASE_MS) }, now) : undefined;
      if (run && renewed?.ok) {
        run.leaseUntil = renewed.value.leaseUntil;
        if (this.tokenTtlMs !== undefined) {
          this.renewals += 1;
          tokens.push({ runId: held.runId, epoch: held.epoch, token: fakeRenewedToken(held.runId, held.epoch, this.renewals), expiresAt: new Date(now.getTime() + this.tokenTtlMs).toISOString() });
        }
      } else {
        lost.push(held.runId);
      }
    }
    this.lostReported.push(...lost);
    return { type: 'heartbeat.result', ref: frame.id, lost, ...(tokens.length > 0 ? { tokens } : {}) };
  }

  applyStatus(frame: RunStatusFrame, owner: string): EdgeFrame {
    const run = this.runs.get(frame.runId);
    if (!run) {
      return { type: 'reject', ref: frame.id, code: 'not_found', message: 'no such run' };
    }
    if (frame.status === 'canceled') {
      return this.confirmCancel(run, frame);
    }
    const change = transitionRun(run, STATUS_EVENT[frame.status](frame, owner), new Date());
    if (!change.ok) {
      return { type: 'reject', ref: frame.id, code: change.error.kind, message: JSON.stringify(change.error) };
    }
    if (change.value.noop) {
      return { type: 'ack', ref: frame.id, result: 'noop' };
    }
    Object.assign(run, { status: change.value.status, jobName: change.value.jobName ?? run.jobName, namespace: change.value.namespace ?? run.namespace });
    run.reason = change.value.statusReason ?? run.reason;
    this.record(frame);
    return { type: 'ack', ref: frame.id, result: 'applied' };
  }

  private confirmCancel(run: FakeRun, frame: RunStatusFrame): EdgeFrame {
    if (run.status !== 'canceled') {
      return { type: 'reject', ref: frame.id, code: 'invalid_transition', message: `cannot confirm a cancel of a ${run.status} run` };
    }
    if (frame.epoch !== run.leaseEpoch) {
      return { type: 'reject', ref: frame.id, code: 'stale_lease', message: `epoch ${frame.epoch} is not ${run.leaseEpoch}` };
    }
    if (run.cancelConfirmed) {
      return { type: 'ack', ref: frame.id, result: 'noop' };
    }
    run.cancelConfirmed = true;
    this.record(frame);
    return { type: 'ack', ref: frame.id, result: 'applied' };
  }

  appendLog(frame: LogAppendFrame, owner: string): EdgeFrame {
    const run = this.runs.get(frame.runId);
    if (!run) {
      return { type: 'reject', ref: frame.id, code: 'not_found', message: 'no such run' };
    }
    if (run.leaseOwner !== owner || run.leaseEpoch !== frame.epoch) {
      return { type: 'reject', ref: frame.id, code: 'stale_lease', message: 'not the lease holder' };
    }
    const stored = this.chunks.get(frame.runId) ?? [];
    this.chunks.set(frame.runId, stored);
    const ofEpoch = stored.filter((chunk) => chunk.epoch === frame.epoch);
    if (ofEpoch.some((chunk) => chunk.seq === frame.seq)) {
      return { type: 'ack', ref: frame.id, result: 'noop' };
    }
    const expected = ofEpoch.length === 0 ? 0 : Math.max(...ofEpoch.map((chunk) => chunk.seq)) + 1;
    if (frame.seq !== expected) {
      this.violations.push(`run ${frame.runId} epoch ${frame.epoch}: chunk seq ${frame.seq}, expected ${expected}`);
    }
    stored.push({ epoch: frame.epoch, seq: frame.seq, lines: frame.lines });
    return { type: 'ack', ref: frame.id, result: 'applied' };
  }

  runsState(frame: Extract<AgentFrame, { type: 'runs.query' }>): EdgeFrame {
    const runs = frame.runIds.map((runId) => {
      const run = this.runs.get(runId);
      return run ? { runId, status: run.status, active: isActiveStatus(run.status) } : { runId, status: 'unknown' as const, active: false };
    });
    return { type: 'runs.state', ref: frame.id, runs };
  }

  private record(frame: RunStatusFrame): void {
    this.applied.push({ frameId: frame.id, runId: frame.runId, epoch: frame.epoch, status: frame.status, jobName: frame.jobName, namespace: frame.namespace, reason: frame.reason });
  }
}
