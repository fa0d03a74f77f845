/**
 * A project's agent settings (docs/domain.md §2.10): which engine runs its
 * agents, the branch prefix of writing runs, the prompt's locale and how long
 * its run namespaces are kept (project-namespace-ttl.ts). Stored
 * as JSON on the project; anything unset falls back to the cluster's default
 * (the Job's environment). Parsing returns errors, never throws: a bad row
 * must not stop a run, it falls back and is reported.
 */
import { parseProjectNamespaceTtl, type ProjectNamespaceTtl } from './project-namespace-ttl.ts';
import { runBranchName } from './run-branch.ts';

export const AGENT_ENGINES = ['codex', 'claude'] as const;
export type AgentEngine = (typeof AGENT_ENGINES)[number];

export interface AgentSettings {
  engine: AgentEngine | null;
  branchPrefix: string | null;
  locale: string | null;
  /** Null: the cluster's Helm config decides (docs/domain.md §5.7). */
  namespaceTtl: ProjectNamespaceTtl | null;
}

export const NO_AGENT_SETTINGS: AgentSettings = Object.freeze({ engine: null, branchPrefix: null, locale: null, namespaceTtl: null });

const LOCALE = /^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;

/**
 * @example parseAgentSettings({ engine: 'claude', branch_prefix: 'ai/' }).value.engine === 'claude'
 * @example parseAgentSettings({ engine: 'gpt' }).errors[0] === 'engine must be one of codex, claude'
 */
export function parseAgentSettings(raw: unknown): { value: AgentSettings; errors: string[] } {
  if (raw === null || raw === undefined) {
    return { value: NO_AGENT_SETTINGS, errors: [] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { value: NO_AGENT_SETTINGS, errors: ['agent settings must be an object'] };
  }
  const r = raw as Record<string, unknown>;
  const errors: string[] = [];
  const known = new Set(['engine', 'branch_prefix', 'locale', 'namespace_ttl']);
  for (const key of Object.keys(r)) {
    if (!known.has(key)) {
      errors.push(`unknown setting ${key}`);
    }
  }
  let engine: AgentEngine | null = null;
  if (r['engine'] !== undefined) {
    if (AGENT_ENGINES.includes(r['engine'] as AgentEngine)) {
      engine = r['engine'] as AgentEngine;
    } else {
      errors.push(`engine must be one of ${AGENT_ENGINES.join(', ')}`);
    }
  }
  let branchPrefix: string | null = null;
  if (r['branch_prefix'] !== undefined) {
    const p = r['branch_prefix'];
    if (typeof p === 'string' && p.trim() !== '' && p.length <= 40) {
      branchPrefix = p.trim();
    } else {
      errors.push('branch_prefix must be 1-40 characters');
    }
  }
  let locale: string | null = null;
  if (r['locale'] !== undefined) {
    if (typeof r['locale'] === 'string' && LOCALE.test(r['locale'])) {
      locale = r['locale'];
    } else {
      errors.push('locale must look like en, ru or pt-BR');
    }
  }
  let namespaceTtl: ProjectNamespaceTtl | null = null;
  if (r['namespace_ttl'] !== undefined) {
    const ttl = parseProjectNamespaceTtl(r['namespace_ttl']);
    namespaceTtl = ttl.value;
    errors.push(...ttl.errors);
  }
  return { value: { engine, branchPrefix, locale, namespaceTtl }, errors };
}

/** The branch of a writing run on an issue under these settings (sanitized by run-branch.ts). */
export function projectBranchName(settings: AgentSettings, issueNumber: number): string {
  return settings.branchPrefix === null ? runBranchName(issueNumber) : runBranchName(issueNumber, settings.branchPrefix);
}
