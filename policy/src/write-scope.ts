/**
 * What a run may change in the repository (docs/domain.md §2.10), as data:
 * each write scope is a list of path globs, checked by the runner on the
 * diff base..HEAD plus the working tree before anything is pushed. A scope
 * without globs allows no change at all (reviewer and discussion runs).
 */
import type { WriteScope } from './label-catalog.ts';

export interface WriteScopeRule {
  /** Whether the run commits and pushes at all. */
  commits: boolean;
  /** Paths (repository-relative, `/`-separated) the run may add, change or delete. */
  allowed: readonly string[];
}

const RULES: Readonly<Record<WriteScope, WriteScopeRule>> = {
  any: { commits: true, allowed: ['**'] },
  markdown_only: { commits: true, allowed: ['**/*.md', '**/*.markdown'] },
  // Prompts, documentation and the agent's own instructions (docs/domain.md §9).
  self_improve_only: { commits: true, allowed: ['**/*.md', '.stageline/**', 'prompts/**', 'docs/**'] },
  no_repo_changes: { commits: false, allowed: [] },
  discussion: { commits: false, allowed: [] },
};

/** @example writeScopeRule('markdown_only').allowed[0] === '**\/*.md' */
export function writeScopeRule(scope: WriteScope): WriteScopeRule {
  return RULES[scope];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/**
 * A glob as a regular expression: `**` crosses directories (and `**\/` may
 * match nothing), `*` and `?` stay inside one path segment.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const ch = glob[i] ?? '';
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') {
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else {
      out += escapeRegExp(ch);
    }
  }
  return new RegExp(`^${out}$`);
}

/**
 * The changed paths a scope does not allow, sorted; empty when the change fits.
 * @example scopeViolations('markdown_only', ['docs/plan.md', 'src/a.ts']) // ['src/a.ts']
 */
export function scopeViolations(scope: WriteScope, changedPaths: readonly string[]): string[] {
  const patterns = RULES[scope].allowed.map(globToRegExp);
  const outside = changedPaths.filter((path) => !patterns.some((p) => p.test(path)));
  return [...new Set(outside)].sort();
}
