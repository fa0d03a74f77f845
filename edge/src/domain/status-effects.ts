import type { RunStatus } from '@stageline/policy';
import { z } from 'zod';
import type { RunRow } from '../db/run-dto.ts';
import { renderStatusComment, type StatusPhase } from '../github/status-comment.ts';
import type { EffectBatch } from './github-port.ts';

/** The run statuses the status comment shows, and how (domain.md §10.2). */
const PHASE: Partial<Record<RunStatus, StatusPhase>> = {
  pending: 'queued',
  running: 'running',
  waiting_mcp: 'waiting',
  waiting_backpressure: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  canceled: 'canceled',
};

// What the status comment needs from run_payload; older payloads without it get no comment.
const payloadSchema = z.looseObject({
  installation_id: z.number().int(),
  repository: z.looseObject({ id: z.number().int(), full_name: z.string() }),
  pull_request: z.looseObject({ number: z.number().int() }).nullable().optional(),
  trigger: z.looseObject({ source: z.string() }),
  runtime: z.looseObject({ mode: z.string() }).optional(),
  profile: z.looseObject({ model: z.string(), reasoning_effort: z.string() }).optional(),
});

/**
 * The edit of a run's status comment after its status changed, or null when
 * the run has no GitHub thread to report to. Same key as at creation: the
 * outbox coalesces and edits the one comment in place.
 */
export function statusCommentEffect(run: RunRow, consoleUrl: string | null): EffectBatch | null {
  const phase = PHASE[run.status];
  const parsed = payloadSchema.safeParse(run.runPayload);
  if (phase === undefined || !parsed.success) {
    return null;
  }
  const p = parsed.data;
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
    model: p.profile?.model ?? null,
    reasoningEffort: p.profile?.reasoning_effort ?? null,
    runtimeMode: p.runtime?.mode ?? null,
    reason: phase === 'waiting' || phase === 'failed' || phase === 'timed_out' || phase === 'canceled' ? run.statusReason : null,
    consoleUrl: consoleUrl === null ? null : `${consoleUrl}/runs/${run.id}`,
  });
  return {
    repo: { installationId: p.installation_id, repositoryId: p.repository.id, fullName: p.repository.full_name },
    effects: [{ kind: 'status_comment', key: `status-comment:${run.id}`, runId: run.id, thread: { kind: onPullRequest ? 'pull_request' : 'issue', number }, body }],
  };
}
