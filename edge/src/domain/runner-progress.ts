/**
 * The runner's event stream arriving at the edge (docs/architecture.md, "The
 * runner"): events are stored once by (run, attempt, seq); a new phase or a
 * failure reason updates the run and edits its status comment. Returns its
 * effects as data, like every use case.
 */
import type { DbOrTx } from '../db/client.ts';
import { appendRunStatusEvent } from '../db/realtime-repo.ts';
import { findRunRow, storeRunnerEvents, updateRunProgress, type ProgressPatch, type RunnerEventRow } from '../db/runner-progress-repo.ts';
import { githubEffects, realtimeEffects, type Effect } from './effects.ts';
import { statusCommentEffect } from './status-effects.ts';

export interface RunnerEventsInput {
  run: { id: string; attemptNo: number };
  events: readonly RunnerEventRow[];
  now: Date;
  consoleUrl: string | null;
}

/** What the stored events change on the run: the last phase, and the reason of a failed finish. */
export function progressOf(events: readonly RunnerEventRow[]): ProgressPatch {
  const patch: ProgressPatch = {};
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.kind === 'phase' && typeof e.payload['phase'] === 'string') {
      patch.runnerPhase = e.payload['phase'];
    }
    if (e.kind === 'finished') {
      // A turn that ended on a question or an approval leaves the run waiting, not finished.
      patch.runnerPhase = e.payload['outcome'] === 'waiting' ? 'waiting' : 'finished';
    }
    if (e.kind === 'finished' && e.payload['outcome'] === 'failed' && typeof e.payload['reason'] === 'string') {
      patch.runnerReason = e.payload['reason'].slice(0, 500);
    }
  }
  return patch;
}

/** Status-comment edits for progress are spaced this far apart (GitHub limits content writes to 80 a minute). */
export const PROGRESS_EDIT_SPACING_MS = 10_000;

/** Whether this progress edits the comment now: the first report, the end, or the spacing has passed. */
export function showsProgress(patch: ProgressPatch, shownAt: Date | null, now: Date): boolean {
  return shownAt === null || patch.runnerPhase === 'finished' || now.getTime() - shownAt.getTime() >= PROGRESS_EDIT_SPACING_MS;
}

export async function recordRunnerEvents(db: DbOrTx, input: RunnerEventsInput): Promise<{ stored: number; effects: Effect[] }> {
  const fresh = await storeRunnerEvents(db, input.run, input.events);
  const patch = progressOf(input.events.filter((e) => fresh.has(e.seq)));
  const before = Object.keys(patch).length === 0 ? null : await findRunRow(db, input.run.id);
  if (before === null) {
    return { stored: fresh.size, effects: [] };
  }
  const show = showsProgress(patch, before.progressShownAt, input.now);
  const row = await updateRunProgress(db, input.run.id, { ...patch, ...(show ? { progressShownAt: input.now } : {}) }, input.now);
  if (row === null) {
    return { stored: fresh.size, effects: [] };
  }
  // The console sees every phase at once; the comment only at the spacing.
  const comment = show ? githubEffects([statusCommentEffect(row, input.consoleUrl)]) : [];
  return { stored: fresh.size, effects: [...realtimeEffects([await appendRunStatusEvent(db, row)]), ...comment] };
}
