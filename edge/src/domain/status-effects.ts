import { parseRunSpec, type RunStatus } from '@stageline/policy';
import type { RunRow } from '../db/run-dto.ts';
import { renderStatusComment, type StatusPhase } from '../github/status-comment.ts';
import type { EffectBatch } from './github-port.ts';

/** The run statuses the status comment shows, and how (docs/domain.md §10.2). */
const PHASE: Partial<Record<RunStatus, StatusPhase>> = {
  pending: 'queued',
  running: 'running',
  waiting_mcp: 'waiting',
  waiting_backpressure: 'waiting',
  waiting_owner_review: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  canceled: 'canceled',
};

/**
 * The edit of a run's status comment after its status changed, or null when
 * the run has no GitHub thread to report to. Same key as at creation: the
 * outbox coalesces and edits the one comment in place.
 */
export function statusCommentEffect(run: RunRow, consoleUrl: string | null): EffectBatch | null {
  const phase = PHASE[run.status];
  // Payloads that do not fit the run contract (policy/src/run-payload.ts) get no comment.
  const parsed = parseRunSpec(run.runPayload);
  if (phase === undefined || !parsed.ok) {
    return null;
  }
  const p = parsed.value;
  const { installation_id: installationId, repository } = p;
  if (installationId === null || repository === null) {
    return null;
  }
  const onPullRequest = p.trigger.source === 'pull_request_label' || p.trigger.source === 'pull_request_review';
  const number = onPullRequest ? p.pull_request?.number : run.issueNumber;
  if (number === undefined || number === null) {
    return null;
  }
  const body = renderStatusComment({
    runId: run.id,
    phase,
    triggerLabel: run.triggerLabel,
    agentKey: run.agentKey,
    model: p.profile.model,
    reasoningEffort: p.profile.reasoning_effort,
    runtimeMode: p.runtime.mode,
    reason: phase === 'waiting' ? (run.waitReason ?? run.statusReason) : phase === 'failed' || phase === 'timed_out' || phase === 'canceled' ? (run.runnerReason ?? run.statusReason) : null,
    consoleUrl: consoleUrl === null ? null : `${consoleUrl}/runs/${run.id}`,
    runnerPhase: run.runnerPhase,
    branch: run.branchName,
    pullRequest: run.pullRequestNumber === null || run.pullRequestUrl === null ? null : { number: run.pullRequestNumber, url: run.pullRequestUrl },
    statusLines: run.statusLines,
    // From the row's own times, so rendering the same row twice gives the same body.
    elapsedSeconds: run.startedAt === null ? null : Math.max(0, Math.round(((run.finishedAt ?? run.updatedAt).getTime() - run.startedAt.getTime()) / 1000)),
  });
  return {
    repo: { installationId, repositoryId: repository.id, fullName: repository.full_name },
    effects: [{ kind: 'status_comment', key: `status-comment:${run.id}`, runId: run.id, thread: { kind: onPullRequest ? 'pull_request' : 'issue', number }, body }],
  };
}
