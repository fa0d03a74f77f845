/**
 * How long a run has been running (still going) or ran (finished), for the
 * runs table and the run page. A run that never started has no duration.
 */
import { isTerminalStatus, type Run } from './run.ts';

export type RunDuration = {
  ms: number;
  /** Still running: the duration grows with the clock. */
  running: boolean;
};

type Timed = Pick<Run, 'status' | 'started_at' | 'finished_at' | 'updated_at'>;

export function toRunDuration(run: Timed, now: Date): RunDuration | null {
  if (run.started_at === null) {
    return null;
  }
  const started = Date.parse(run.started_at);
  const terminal = isTerminalStatus(run.status);
  // A terminal run without `finished_at` (older rows) ended at its last update.
  const end = terminal ? Date.parse(run.finished_at ?? run.updated_at) : now.getTime();
  if (Number.isNaN(started) || Number.isNaN(end)) {
    return null;
  }
  return { ms: Math.max(0, end - started), running: !terminal };
}

/** The run page and the runs table speak of durations as the queue does (format-duration.ts). */
export { formatDuration as formatElapsed } from './format-duration.ts';
