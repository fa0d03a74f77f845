/**
 * The last few heartbeats sent, by frame id, so `heartbeat.result.lost` (run
 * ids only) can be mapped back to the epochs that heartbeat claimed: a run
 * re-claimed at a newer epoch since then is not stopped by an old answer.
 */
import type { HeldRun } from './session-types.ts';

const MEMORY = 8;

export interface HeartbeatLedger {
  remember(id: string, runs: readonly HeldRun[]): void;
  /** The runs of heartbeat `ref` named in `lost`; empty for an unknown (too old) ref. */
  lost(ref: string, lost: readonly string[]): HeldRun[];
}

export function createHeartbeatLedger(): HeartbeatLedger {
  const sent = new Map<string, readonly HeldRun[]>();
  return {
    remember(id, runs) {
      sent.set(id, runs);
      if (sent.size > MEMORY) {
        const oldest = sent.keys().next();
        if (!oldest.done) {
          sent.delete(oldest.value);
        }
      }
    },
    lost(ref, lost) {
      const runs = sent.get(ref) ?? [];
      sent.delete(ref);
      const gone = new Set(lost);
      return runs.filter((run) => gone.has(run.runId));
    },
  };
}
