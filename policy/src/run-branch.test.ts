import { describe, expect, it } from 'vitest';
import { isRunBranchRef, MAX_BRANCH_CHARS, runBranchName } from './run-branch.ts';

describe('runBranchName', () => {
  it('uses codex/issue-<n> by default', () => {
    expect(runBranchName(7)).toBe('codex/issue-7');
  });

  it('sanitizes a configured prefix into a valid ref', () => {
    expect(runBranchName(12, 'ai bot//fix..x-')).toBe('ai-bot/fix.x-12');
    expect(runBranchName(3, '/.hidden/')).toBe('hidden/3');
    expect(runBranchName(3, 'a.lock/')).toBe('a-lock/3');
    expect(runBranchName(3, '')).toBe('codex/issue-3');
  });

  it('keeps the whole issue number within 50 characters', () => {
    const name = runBranchName(123456, 'x'.repeat(80));
    expect(name.length).toBe(MAX_BRANCH_CHARS);
    expect(name.endsWith('123456')).toBe(true);
  });
});

describe('isRunBranchRef', () => {
  it('accepts the branch and its full ref only', () => {
    expect(isRunBranchRef('refs/heads/codex/issue-7', 'codex/issue-7')).toBe(true);
    expect(isRunBranchRef('codex/issue-7', 'codex/issue-7')).toBe(true);
    expect(isRunBranchRef('refs/heads/main', 'codex/issue-7')).toBe(false);
    expect(isRunBranchRef('refs/tags/codex/issue-7', 'codex/issue-7')).toBe(false);
  });
});
