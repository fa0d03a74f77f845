import { triggerLabelsIn, type LabelCatalog, type TriggerLabel } from './label-catalog.ts';
import type { RunIntent } from './route-delivery.ts';

/** Stages a review-driven revise may resolve to (docs/domain.md §2.8): not rethink, not ai-repair. */
export const REVIEW_STAGES: readonly string[] = ['intake', 'vision', 'prd', 'arch', 'design', 'plan', 'dev', 'doc-audit', 'qa', 'release', 'postdeploy', 'ops', 'self-improve'];

/** What the edge loads from labels and run history for one changes_requested review. */
export interface ReviewHistory {
  prLabels: readonly string[];
  /** Distinct issue numbers earlier runs of this PR were linked to. */
  linkedIssues: readonly number[];
  /** Labels of the linked issue (payload, or a stored raw payload of an earlier run); null if unknown. */
  issueLabels: readonly string[] | null;
  /** trigger_kind of the latest run for the PR, and for the resolved issue. */
  lastPullRequestRunKind: string | null;
  lastIssueRunKind: string | null;
}

export type ReviewResolution =
  | { ok: true; trigger: TriggerLabel; source: 'pr_labels' | 'issue_labels' | 'last_run_context' | 'issue_history'; issueNumber: number | null }
  | { ok: false; reason: 'pull_request_review_stage_ambiguous' | 'pull_request_review_stage_not_resolved'; message: string };

/**
 * The resolver chain of a review-driven revise: first hit wins, a conflict
 * stops. The created run always uses the stage's revise label.
 */
export function resolveReviewStage(history: ReviewHistory, catalog: LabelCatalog): ReviewResolution {
  const fromPr = stagesIn(catalog, history.prLabels);
  if (fromPr.length > 1) {
    return ambiguous(catalog, fromPr, 'the pull request carries several stage labels');
  }
  if (history.linkedIssues.length > 1) {
    return ambiguous(catalog, [], `the pull request is linked to several issues (${history.linkedIssues.map((n) => `#${n}`).join(', ')})`);
  }
  const issueNumber = history.linkedIssues[0] ?? null;
  const [prStage] = fromPr;
  if (prStage !== undefined) {
    return revise(catalog, prStage, 'pr_labels', issueNumber);
  }
  if (issueNumber !== null && history.issueLabels !== null) {
    const fromIssue = stagesIn(catalog, history.issueLabels);
    if (fromIssue.length > 1) {
      return ambiguous(catalog, fromIssue, `issue #${issueNumber} carries several stage labels`);
    }
    const [issueStage] = fromIssue;
    if (issueStage !== undefined) {
      return revise(catalog, issueStage, 'issue_labels', issueNumber);
    }
  }
  const fromPrRun = stageOfKind(catalog, history.lastPullRequestRunKind);
  if (fromPrRun !== undefined) {
    return revise(catalog, fromPrRun, 'last_run_context', issueNumber);
  }
  const fromIssueRun = issueNumber === null ? undefined : stageOfKind(catalog, history.lastIssueRunKind);
  if (fromIssueRun !== undefined) {
    return revise(catalog, fromIssueRun, 'issue_history', issueNumber);
  }
  return {
    ok: false,
    reason: 'pull_request_review_stage_not_resolved',
    message: `Stageline could not tell which stage this review is for. Add one of: ${REVIEW_STAGES.map((s) => `\`${reviseLabel(catalog, s)}\``).join(', ')}.`,
  };
}

function stagesIn(catalog: LabelCatalog, labels: readonly string[]): string[] {
  return [...new Set(triggerLabelsIn(catalog, labels).map((t) => t.stage).filter((s) => REVIEW_STAGES.includes(s)))];
}

function stageOfKind(catalog: LabelCatalog, kind: string | null): string | undefined {
  const stage = catalog.triggers.find((t) => t.triggerKind === kind)?.stage;
  return stage !== undefined && REVIEW_STAGES.includes(stage) ? stage : undefined;
}

function revise(catalog: LabelCatalog, stage: string, source: 'pr_labels' | 'issue_labels' | 'last_run_context' | 'issue_history', issueNumber: number | null): ReviewResolution {
  const trigger = catalog.triggers.find((t) => t.stage === stage && t.promptKind === 'revise');
  if (trigger === undefined) {
    return { ok: false, reason: 'pull_request_review_stage_not_resolved', message: `stage ${stage} has no revise label` };
  }
  return { ok: true, trigger, source, issueNumber };
}

function ambiguous(catalog: LabelCatalog, stages: readonly string[], why: string): ReviewResolution {
  const suggested = stages.length > 0 ? ` Keep one of: ${stages.map((s) => `\`${reviseLabel(catalog, s)}\``).join(', ')}.` : '';
  return { ok: false, reason: 'pull_request_review_stage_ambiguous', message: `Stageline could not tell which stage this review is for: ${why}.${suggested}` };
}

function reviseLabel(catalog: LabelCatalog, stage: string): string {
  return catalog.triggers.find((t) => t.stage === stage && t.promptKind === 'revise')?.label ?? `run:${stage}:revise`;
}

/** The run a resolved review asks for: the stage's revise, on the PR's head, on the PR thread. */
export function reviewRunIntent(
  resolution: Extract<ReviewResolution, { ok: true }>,
  review: { pullRequestNumber: number; prLabels: readonly string[]; buildRef: string | null },
  issueLabels: readonly string[],
): RunIntent {
  return {
    source: 'pull_request_review',
    trigger: resolution.trigger,
    label: resolution.trigger.label,
    agentKey: resolution.trigger.agentKey,
    discussion: false,
    issueNumber: resolution.issueNumber,
    pullRequestNumber: review.pullRequestNumber,
    buildRef: review.buildRef,
    cancelDiscussion: false,
    thread: { kind: 'pull_request', number: review.pullRequestNumber },
    issueLabels,
    pullRequestLabels: review.prLabels,
  };
}
