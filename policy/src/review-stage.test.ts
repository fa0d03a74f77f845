import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_CATALOG as C } from './label-catalog.ts';
import { resolveReviewStage, reviewRunIntent, type ReviewHistory } from './review-stage.ts';

const none: ReviewHistory = { prLabels: [], linkedIssues: [], issueLabels: null, lastPullRequestRunKind: null, lastIssueRunKind: null };

describe('resolveReviewStage (docs/domain.md §2.8 resolver chain)', () => {
  it('takes the one stage on the PR first, as its revise label', () => {
    expect(resolveReviewStage({ ...none, prLabels: ['run:design', 'bug'], linkedIssues: [4], issueLabels: ['run:plan'] }, C)).toMatchObject({ ok: true, source: 'pr_labels', issueNumber: 4, trigger: { label: 'run:design:revise', triggerKind: 'design_revise' } });
    expect(resolveReviewStage({ ...none, prLabels: ['run:qa:revise'] }, C)).toMatchObject({ ok: true, trigger: { label: 'run:qa:revise' } });
  });

  it('then the linked issue labels, then the PR last run, then the issue history', () => {
    expect(resolveReviewStage({ ...none, linkedIssues: [4], issueLabels: ['run:plan'] }, C)).toMatchObject({ ok: true, source: 'issue_labels', trigger: { triggerKind: 'plan_revise' } });
    expect(resolveReviewStage({ ...none, linkedIssues: [4], issueLabels: [], lastPullRequestRunKind: 'dev_revise', lastIssueRunKind: 'plan' }, C)).toMatchObject({ ok: true, source: 'last_run_context', trigger: { triggerKind: 'dev_revise' } });
    expect(resolveReviewStage({ ...none, linkedIssues: [4], issueLabels: [], lastIssueRunKind: 'doc_audit' }, C)).toMatchObject({ ok: true, source: 'issue_history', trigger: { triggerKind: 'doc_audit_revise' } });
  });

  it('stops on ambiguity: two stages on the PR or issue, or a PR linked to two issues', () => {
    expect(resolveReviewStage({ ...none, prLabels: ['run:dev', 'run:qa'] }, C)).toMatchObject({ ok: false, reason: 'pull_request_review_stage_ambiguous' });
    expect(resolveReviewStage({ ...none, linkedIssues: [4], issueLabels: ['run:dev', 'run:plan:revise'] }, C)).toMatchObject({ ok: false, reason: 'pull_request_review_stage_ambiguous' });
    expect(resolveReviewStage({ ...none, prLabels: ['run:dev'], linkedIssues: [4, 5] }, C)).toMatchObject({ ok: false, reason: 'pull_request_review_stage_ambiguous' });
    // run:dev and run:dev:revise are one stage.
    expect(resolveReviewStage({ ...none, prLabels: ['run:dev', 'run:dev:revise'] }, C)).toMatchObject({ ok: true, trigger: { label: 'run:dev:revise' } });
  });

  it('never resolves to rethink or ai-repair, and explains when nothing resolves', () => {
    const result = resolveReviewStage({ ...none, prLabels: ['run:rethink'], lastPullRequestRunKind: 'ai_repair' }, C);
    expect(result).toMatchObject({ ok: false, reason: 'pull_request_review_stage_not_resolved' });
    expect(!result.ok && result.message).toContain('`run:dev:revise`');
  });

  it('builds the revise intent on the PR thread and its head', () => {
    const resolved = resolveReviewStage({ ...none, prLabels: ['run:dev'], linkedIssues: [4] }, C);
    expect(resolved.ok).toBe(true);
    if (resolved.ok) {
      expect(reviewRunIntent(resolved, { pullRequestNumber: 12, prLabels: ['run:dev'], buildRef: 'abc' }, ['run:dev'])).toMatchObject({
        source: 'pull_request_review',
        label: 'run:dev:revise',
        issueNumber: 4,
        pullRequestNumber: 12,
        buildRef: 'abc',
        thread: { kind: 'pull_request', number: 12 },
      });
    }
  });
});
