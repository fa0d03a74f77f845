/**
 * Open issues that carry a `run:*` label but have no run for it (pure): the
 * `issues.labeled` delivery was lost, failed past its redeliveries, or never
 * came. The reconciler records a runtime warning for each.
 *
 * Not a gap: pull requests (`run:*` starts runs from issues only), issues
 * with more than one `run:*` (a conflict the webhook already explained,
 * docs/domain.md §2.7), issues asking `need:input` (a refusal already asked a
 * human), and issues touched within `graceMs` (their delivery may still be
 * queued in the webhook inbox).
 */
import { hasLabel, normalizeLabel, triggerLabelsIn, type LabelCatalog } from '@stageline/policy';

export interface OpenIssue {
  number: number;
  labels: readonly string[];
  isPullRequest: boolean;
  /** Epoch ms of the issue's last update, when GitHub sent it. */
  updatedAt: number | null;
}

export interface IssueRun {
  issueNumber: number;
  triggerLabel: string;
}

export interface MissingRun {
  issueNumber: number;
  /** The label as the catalog names it. */
  label: string;
}

export const MISSING_RUN_GRACE_MS = 15 * 60_000;

export function findMissingRuns(issues: readonly OpenIssue[], runs: readonly IssueRun[], catalog: LabelCatalog, now: number, graceMs = MISSING_RUN_GRACE_MS): MissingRun[] {
  const hasRun = new Set(runs.map((r) => `${r.issueNumber}\u0000${normalizeLabel(r.triggerLabel)}`));
  const missing: MissingRun[] = [];
  for (const issue of issues) {
    if (issue.isPullRequest || hasLabel(issue.labels, catalog.needInput) || (issue.updatedAt !== null && now - issue.updatedAt < graceMs)) {
      continue;
    }
    const triggers = triggerLabelsIn(catalog, issue.labels);
    const [only] = triggers;
    if (triggers.length !== 1 || only === undefined) {
      continue;
    }
    if (!hasRun.has(`${issue.number}\u0000${normalizeLabel(only.label)}`)) {
      missing.push({ issueNumber: issue.number, label: only.label });
    }
  }
  return missing;
}
