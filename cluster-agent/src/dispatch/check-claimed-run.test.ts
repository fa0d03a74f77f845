import type { ClaimedRun } from '@stageline/protocol';
import { describe, expect, it } from 'vitest';
import { checkClaimedRun } from './check-claimed-run.ts';

const run: ClaimedRun = {
  runId: '3f2a9b1c-0000-4000-8000-000000000001',
  correlationId: 'delivery-42',
  epoch: 1,
  attemptNo: 1,
  projectId: 'proj-1',
  repositoryFullName: 'acme/app',
  issueNumber: 7,
  triggerKind: 'dev',
  triggerLabel: 'run:dev',
  agentKey: 'dev',
  leaseUntil: '2026-11-22T10:45:00.000Z',
  takeover: false,
  jobName: null,
  logSeq: 0,
  logLines: 0,
  runToken: 'srt_token',
  queuedAt: null,
  launch: null,
};

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
