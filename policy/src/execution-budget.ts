/**
 * The run's execution budget counts only time spent running (docs/architecture.md,
 * "Waits"): from the first claim, minus every pause. A pause is a wait, or the
 * queue time of an attempt requeued by a resume; `transitionRun` adds each
 * closed pause to `waitedMs` and keeps the open one's start in `waitSince`.
 */
export interface BudgetClock {
  /** The first claim (null: never claimed, nothing used). */
  startedAt: Date | null;
  /** When the run became terminal; the clock stops there. */
  closedAt?: Date | null;
  /** Start of the pause in progress, if any. */
  waitSince?: Date | null;
  /** Closed pauses, in milliseconds. */
  waitedMs?: number;
}

/**
 * Milliseconds of the execution budget used so far.
 * @example
 * executionTimeMs({ startedAt: t0, waitSince: t0 + 10 min, waitedMs: 0 }, t0 + 70 min) // 10 min: the hour of waiting is not charged
 */
export function executionTimeMs(run: BudgetClock, now: Date): number {
  if (run.startedAt === null) {
    return 0;
  }
  const end = (run.closedAt ?? now).getTime();
  const open = run.waitSince === undefined || run.waitSince === null ? 0 : Math.max(0, end - run.waitSince.getTime());
  return Math.max(0, end - run.startedAt.getTime() - (run.waitedMs ?? 0) - open);
}
