import { describe, expect, it } from 'vitest';
import { claimedRun } from '../../test/support/claimed-run.ts';
import { checkClaimedRun } from './check-claimed-run.ts';

const run = claimedRun();

describe('checkClaimedRun', () => {
  it('places a valid run', () => {
    expect(checkClaimedRun(run, 'stageline-issue')).toEqual({
      ok: true,
      value: { namespace: 'stageline-issue-proj1-i7-r3f2a9b1c0000', jobName: 'stageline-run-3f2a9b1c000040008000-1' },
    });
  });

  it('uses the run-only name without an issue', () => {
    const placed = checkClaimedRun({ ...run, issueNumber: null }, 'sl');
    expect(placed.ok && placed.value.namespace).toBe('sl-run-3f2a9b1c0000');
  });

  it.each([
    ['projectId', { projectId: 'acme/app' }],
    ['agentKey', { agentKey: 'dev key' }],
    ['projectId', { projectId: 'p'.repeat(64) }],
  ])('refuses an invalid %s', (field, patch) => {
    const placed = checkClaimedRun({ ...run, ...patch }, 'stageline-issue');
    expect(placed.ok).toBe(false);
    expect(!placed.ok && placed.error).toMatch(new RegExp(`^${field} .* is not a valid label value$`));
  });
});
