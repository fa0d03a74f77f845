import { describe, expect, it } from 'vitest';
import { globToRegExp, scopeViolations, writeScopeRule } from './write-scope.ts';

describe('globToRegExp', () => {
  it.each([
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/a/b.md', true],
    ['**/*.md', 'src/a.ts', false],
    ['**/*.md', 'a.md.ts', false],
    ['docs/**', 'docs/x/y.png', true],
    ['docs/**', 'docsx/y', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/x/a.ts', false],
    ['a?.txt', 'ab.txt', true],
    ['a?.txt', 'a/.txt', false],
    ['**', 'any/thing/at/all', true],
    ['file(1).md', 'file(1).md', true],
  ])('%s against %s → %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe('scopeViolations', () => {
  it('any allows every path', () => {
    expect(scopeViolations('any', ['src/a.ts', '.github/workflows/x.yml'])).toEqual([]);
  });

  it('markdown_only reports the non-markdown paths, sorted and once', () => {
    expect(scopeViolations('markdown_only', ['src/z.ts', 'docs/plan.md', 'src/a.ts', 'src/a.ts'])).toEqual(['src/a.ts', 'src/z.ts']);
  });

  it('self_improve_only allows prompts and docs but not code', () => {
    expect(scopeViolations('self_improve_only', ['.stageline/prompts/dev.md', 'docs/x.svg', 'prompts/a.txt', 'src/main.ts'])).toEqual(['src/main.ts']);
  });

  it.each(['no_repo_changes', 'discussion'] as const)('%s allows no change and does not commit', (scope) => {
    expect(writeScopeRule(scope).commits).toBe(false);
    expect(scopeViolations(scope, ['README.md'])).toEqual(['README.md']);
  });
});
