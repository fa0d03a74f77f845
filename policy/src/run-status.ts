/**
 * Run statuses and the sets every query filters on (docs/architecture.md,
 * "Decisions worth knowing": waits are real statuses). SQL never spells a
 * status list itself; it uses one of the sets below, so a new status is
 * classified once, here.
 */
export const RUN_STATUSES = [
  'pending',
  'running',
  'waiting_mcp',
  'waiting_backpressure',
  'waiting_owner_review',
  'succeeded',
  'failed',
  'timed_out',
  'canceled',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Terminal runs never change again. */
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'timed_out', 'canceled'] as const satisfies readonly RunStatus[];

/**
 * Every status that is not terminal: the run is still going, so it blocks
 * namespace cleanup, counts as the active run and is canceled by a
 * close. Waits are included: a run waiting for a person is not finished.
 */
export const NON_TERMINAL_STATUSES = [
  'pending',
  'running',
  'waiting_mcp',
  'waiting_backpressure',
  'waiting_owner_review',
] as const satisfies readonly RunStatus[];

/** The waits: entered from `running` by the lease holder, left by `resume` or cancel. */
export const WAIT_STATUSES = ['waiting_mcp', 'waiting_backpressure', 'waiting_owner_review'] as const satisfies readonly RunStatus[];

/**
 * Statuses in which a lease holder exists: running and every wait. Lease
 * renewal, the stale-lease takeover and the `welcome` list of held runs use
 * exactly these, so a waiting run whose holder died is taken over like a
 * running one.
 */
export const HELD_STATUSES = ['running', ...WAIT_STATUSES] as const satisfies readonly RunStatus[];

/**
 * Statuses that occupy one of the project's slots. A run waiting for the
 * owner's review has no Job any more and may wait for days, so it frees its
 * slot; the other waits keep it (the Job or the next attempt needs it).
 */
export const SLOT_STATUSES = ['running', 'waiting_mcp', 'waiting_backpressure'] as const satisfies readonly RunStatus[];

/** The domain word for non-terminal: "active" runs are the non-terminal ones. */
export const ACTIVE_STATUSES = NON_TERMINAL_STATUSES;

export type WaitStatus = (typeof WAIT_STATUSES)[number];

const TERMINAL: ReadonlySet<RunStatus> = new Set(TERMINAL_STATUSES);
const HELD: ReadonlySet<RunStatus> = new Set(HELD_STATUSES);
const WAITS: ReadonlySet<RunStatus> = new Set(WAIT_STATUSES);

export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL.has(status);
}

/** Not terminal: pending, running or any wait. */
export function isNonTerminalStatus(status: RunStatus): boolean {
  return !TERMINAL.has(status);
}

/** Active runs block namespace cleanup and are canceled by a close; the same set as non-terminal. */
export function isActiveStatus(status: RunStatus): boolean {
  return isNonTerminalStatus(status);
}

/** A lease holder exists (running or waiting). */
export function isHeldStatus(status: RunStatus): boolean {
  return HELD.has(status);
}

export function isWaitStatus(status: RunStatus): status is WaitStatus {
  return WAITS.has(status);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}
