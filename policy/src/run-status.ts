/**
 * Run statuses (domain.md §3.1, Stageline decision: waits are real statuses).
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

const TERMINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'timed_out', 'canceled']);

/** Statuses of a run that is still going (queries filter on exactly these). */
export const ACTIVE_STATUSES = ['pending', 'running', 'waiting_mcp', 'waiting_backpressure'] as const satisfies readonly RunStatus[];
const ACTIVE: ReadonlySet<RunStatus> = new Set(ACTIVE_STATUSES);

/** Terminal runs never change again. */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL.has(status);
}

/** Active runs block namespace cleanup and keep run tokens valid (§3.1). */
export function isActiveStatus(status: RunStatus): boolean {
  return ACTIVE.has(status);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}
