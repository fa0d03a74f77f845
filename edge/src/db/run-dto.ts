import type { agentRuns } from '@stageline/db';
import type { RunStatus } from '@stageline/policy';

export type RunRow = typeof agentRuns.$inferSelect;

/** The `Run` of the staff API and the realtime `run.status` payload (docs/domain.md §8.2). */
export interface RunDto {
  id: string;
  correlation_id: string;
  project_id: string;
  repository_full_name: string;
  issue_number: number | null;
  issue_url: string | null;
  trigger_kind: string;
  trigger_label: string;
  agent_key: string;
  status: RunStatus;
  status_reason: string | null;
  /** Why a waiting run waits (e.g. `approval`, `interaction_response`), on what, since when; null while not waiting. */
  wait_reason: string | null;
  wait_target: string | null;
  wait_since: string | null;
  cluster_id: string | null;
  job_name: string | null;
  namespace: string | null;
  attempt_no: number;
  version: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  last_heartbeat_at: string | null;
  /** What the runner did (docs/architecture.md, "The runner"): its phase, branch, pull request, last status lines. */
  runner_phase: string | null;
  runner_reason: string | null;
  branch_name: string | null;
  pull_request_number: number | null;
  pull_request_url: string | null;
  status_lines: string[];
  /** The agent profile the run was created with (docs/domain.md §2.4). */
  model: string | null;
  reasoning_effort: string | null;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toRunDto(row: RunRow): RunDto {
  return {
    id: row.id,
    correlation_id: row.correlationId,
    project_id: row.projectId,
    repository_full_name: row.repositoryFullName,
    issue_number: row.issueNumber,
    issue_url: row.issueUrl,
    trigger_kind: row.triggerKind,
    trigger_label: row.triggerLabel,
    agent_key: row.agentKey,
    status: row.status,
    status_reason: row.statusReason,
    wait_reason: row.waitReason,
    wait_target: row.waitTarget,
    wait_since: iso(row.waitSince),
    cluster_id: row.clusterId,
    job_name: row.jobName,
    namespace: row.jobNamespace,
    attempt_no: row.attemptNo,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    updated_at: row.updatedAt.toISOString(),
    last_heartbeat_at: iso(row.lastHeartbeatAt),
    runner_phase: row.runnerPhase,
    runner_reason: row.runnerReason,
    branch_name: row.branchName,
    pull_request_number: row.pullRequestNumber,
    pull_request_url: row.pullRequestUrl,
    status_lines: row.statusLines,
    model: profileOf(row.runPayload)?.model ?? null,
    reasoning_effort: profileOf(row.runPayload)?.reasoning_effort ?? null,
  };
}

/** The stored payload's agent profile, read defensively: rows written before a field existed lack it. */
function profileOf(payload: unknown): { model?: string; reasoning_effort?: string } | null {
  const profile = typeof payload === 'object' && payload !== null && 'profile' in payload ? payload.profile : null;
  return typeof profile === 'object' && profile !== null ? (profile as { model?: string; reasoning_effort?: string }) : null;
}
