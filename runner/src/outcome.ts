/**
 * How a run ends, as the runner reports it: the reason in the `finished`
 * event (shown in the status comment) and the process exit code (the Job's
 * status, which the cluster-agent turns into the run's status).
 */
export type FailureKind = 'scope_violation' | 'model_error' | 'agent_timeout' | 'git_error' | 'edge_error' | 'push_refused' | 'runner_error';

export const EXIT_CODES: Readonly<Record<FailureKind | 'succeeded', number>> = {
  succeeded: 0,
  runner_error: 1,
  scope_violation: 10,
  model_error: 11,
  agent_timeout: 12,
  git_error: 13,
  edge_error: 14,
  push_refused: 15,
};

export class RunFailure extends Error {
  readonly kind: FailureKind;
  readonly detail: string;
  constructor(kind: FailureKind, detail: string) {
    super(`${kind}: ${detail}`);
    this.kind = kind;
    this.detail = detail;
  }
}

export type RunOutcome =
  | { outcome: 'succeeded'; summary: string; pullRequestUrl: string | null; changed: number }
  | { outcome: 'failed'; kind: FailureKind; reason: string }
  /** The turn ended waiting for a person or an approval: the session is saved and the Job ends with 0; the run parks. */
  | { outcome: 'waiting'; summary: string; waitReason: string };

/** The engine's own reason starts with its kind (`model_error: …`, `agent_timeout: …`). */
export function engineFailure(reason: string): RunFailure {
  const kind: FailureKind = reason.startsWith('agent_timeout') ? 'agent_timeout' : 'model_error';
  return new RunFailure(kind, reason.replace(/^[a-z_]+: /, ''));
}
