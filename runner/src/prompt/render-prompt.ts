/**
 * The agent's prompt from the stage templates (templates.ts): the template
 * kind from the stage, the locale by a fallback chain (`ru-RU` → `ru` → `en`),
 * the issue as fenced, quoted context, and the repository's AGENTS.md as its
 * instructions. Pure.
 */
import type { RunnerSpec } from '../spec.ts';
import { SCOPE_TEXT, TEMPLATES, type TemplateKind } from './templates.ts';

export function templateKind(spec: Pick<RunnerSpec, 'stage' | 'write' | 'resume'>): TemplateKind {
  if (spec.resume !== null) {
    return 'resume';
  }
  if (spec.stage.discussion || spec.stage.write_scope === 'discussion') {
    return 'discussion';
  }
  if (spec.stage.write_scope === 'no_repo_changes') {
    return 'review';
  }
  return spec.stage.prompt_kind === 'revise' ? 'revise' : 'work';
}

/** `ru-RU` → ['ru-RU', 'ru', 'en']. */
export function localeChain(locale: string): string[] {
  const chain = [locale, locale.split(/[-_]/)[0] ?? '', 'en'].filter((l) => l !== '');
  return [...new Set(chain)];
}

/** Text inside a fence no line of it can close: the fence is longer than any backtick run in it. */
export function quoteBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}

export interface PromptInput {
  spec: RunnerSpec;
  locale: string;
  /** AGENTS.md of the repository as it is on the base branch; null when absent. */
  agentsMd: string | null;
}

export function renderPrompt(input: PromptInput): string {
  const { spec } = input;
  const kind = templateKind(spec);
  const chain = localeChain(input.locale);
  const locale = chain.find((l) => TEMPLATES[l]?.[kind] !== undefined) ?? 'en';
  const template = TEMPLATES[locale]?.[kind] ?? TEMPLATES['en']?.[kind] ?? '';
  const scopeTexts = SCOPE_TEXT[chain.find((l) => SCOPE_TEXT[l] !== undefined) ?? 'en'] ?? SCOPE_TEXT['en'];
  const scope = !spec.write.commits ? scopeTexts?.none : spec.write.allowed_paths.includes('**') ? scopeTexts?.any : fill(scopeTexts?.limited ?? '', { paths: spec.write.allowed_paths.map((p) => `\`${p}\``).join(', ') });
  const issue = spec.issue;
  const context = issue === null ? quoteBlock('(no issue)') : quoteBlock(`#${issue.number}: ${issue.title}\n\n${issue.body}`);
  const instructions = input.agentsMd === null ? '' : `Repository instructions (AGENTS.md):\n\n${quoteBlock(input.agentsMd.slice(0, 20_000))}`;
  return fill(template, {
    agent: spec.stage.agent_key,
    issue: String(issue?.number ?? ''),
    pr: String(spec.pull_request?.number ?? ''),
    repository: spec.repository.full_name,
    label: spec.stage.trigger_label,
    branch: spec.write.branch ?? '',
    scope: scope ?? '',
    instructions,
    context,
    resume: spec.resume === null ? '' : quoteBlock(JSON.stringify(spec.resume, null, 2)),
  })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
