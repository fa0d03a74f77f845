import { DEFAULT_LABEL_CATALOG } from '@stageline/policy';
import { describe, expect, it } from 'vitest';
import { findMissingRuns, MISSING_RUN_GRACE_MS, type OpenIssue } from './find-missing-runs.ts';

const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);
const old = NOW - 2 * MISSING_RUN_GRACE_MS;
const issue = (number: number, labels: string[], extra: Partial<OpenIssue> = {}): OpenIssue => ({ number, labels, isPullRequest: false, updatedAt: old, ...extra });

describe('findMissingRuns', () => {
  it.each([
    ['a run:* label without a run', [issue(1, ['bug', 'run:dev'])], [], [{ issueNumber: 1, label: 'run:dev' }]],
    ['matching is case-insensitive', [issue(1, ['Run:Dev'])], [{ issueNumber: 1, triggerLabel: 'run:dev' }], []],
    ['a run for another label does not count', [issue(1, ['run:plan'])], [{ issueNumber: 1, triggerLabel: 'run:dev' }], [{ issueNumber: 1, label: 'run:plan' }]],
    ['pull requests are not issues', [issue(1, ['run:dev'], { isPullRequest: true })], [], []],
    ['two run:* labels are a conflict already explained', [issue(1, ['run:dev', 'run:plan'])], [], []],
    ['need:input means a human was asked', [issue(1, ['run:dev', 'need:input'])], [], []],
    ['a fresh issue may still be in the inbox', [issue(1, ['run:dev'], { updatedAt: NOW - 60_000 })], [], []],
    ['no trigger label, nothing missing', [issue(1, ['bug', 'state:blocked'])], [], []],
  ] as const)('%s', (_, issues, runs, expected) => {
    expect(findMissingRuns(issues, runs, DEFAULT_LABEL_CATALOG, NOW)).toEqual(expected);
  });
});
