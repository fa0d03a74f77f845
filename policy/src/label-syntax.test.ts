import { describe, expect, it } from 'vitest';
import { compactId, isDns1123Label, isLabelKey, isLabelValue, toDns1123Label } from './label-syntax.ts';
import { runJobName, runNamespaceName } from './run-naming.ts';

describe('label syntax', () => {
  it.each([
    ['abc', true],
    ['a-b-1', true],
    ['A', false],
    ['-a', false],
    ['a-', false],
    ['a_b', false],
    ['', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('isDns1123Label(%j) = %s', (v, want) => expect(isDns1123Label(v)).toBe(want));

  it.each([
    ['', true],
    ['Run_1.x', true],
    ['-x', false],
    ['x'.repeat(64), false],
    ['a b', false],
  ])('isLabelValue(%j) = %s', (v, want) => expect(isLabelValue(v)).toBe(want));

  it.each([
    ['stageline.dev/run-id', true],
    ['job-name', true],
    ['Bad_Prefix/x', false],
    ['stageline.dev/', false],
    ['/x', false],
    [`${'a'.repeat(64)}`, false],
  ])('isLabelKey(%j) = %s', (v, want) => expect(isLabelKey(v)).toBe(want));

  it('compacts and sanitises', () => {
    expect(compactId('3F2a-9b_c.d', 4)).toBe('3f2a');
    expect(toDns1123Label('Org/Repo_Name', 'x')).toBe('org-repo-name');
    expect(toDns1123Label('---', 'fallback')).toBe('fallback');
  });
});

describe('run naming', () => {
  const runId = '3f2a9b1c-0000-4000-8000-000000000001';
  it('names the issue namespace from project, issue and run', () => {
    const name = runNamespaceName({ projectId: 'a1b2c3d4-e5f6-4789-8abc-def012345678', issueNumber: 7, runId });
    expect(name).toBe('stageline-issue-a1b2c3d4e5f6-i7-r3f2a9b1c0000');
    expect(isDns1123Label(name)).toBe(true);
  });
  it('names a run namespace without an issue', () => {
    expect(runNamespaceName({ projectId: 'p', issueNumber: null, runId })).toBe('stageline-issue-run-3f2a9b1c0000');
  });
  it('keeps long prefixes within 63 characters', () => {
    const name = runNamespaceName({ prefix: 'x'.repeat(60), projectId: 'p', issueNumber: 123456, runId });
    expect(isDns1123Label(name)).toBe(true);
  });
  it('makes deterministic job names per attempt', () => {
    expect(runJobName(runId, 1)).toBe('stageline-run-3f2a9b1c000040008000-1');
    expect(runJobName(runId, 2)).not.toBe(runJobName(runId, 1));
  });
});
