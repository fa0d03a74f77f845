import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_CATALOG, findTriggerLabel, LEGACY_LABELS, withLabelNames } from './label-catalog.ts';

// docs/domain.md §2.2, transcribed row by row: label, trigger_kind, agent_key, runtime mode,
// write scope, prompt kind, PR in output.
const TABLE: [string, string, string, string, string, string, boolean][] = [
  ['run:intake', 'intake', 'pm', 'code-only', 'markdown_only', 'work', true],
  ['run:intake:revise', 'intake_revise', 'pm', 'code-only', 'markdown_only', 'revise', true],
  ['run:vision', 'vision', 'pm', 'code-only', 'markdown_only', 'work', true],
  ['run:vision:revise', 'vision_revise', 'pm', 'code-only', 'markdown_only', 'revise', true],
  ['run:prd', 'prd', 'pm', 'code-only', 'markdown_only', 'work', true],
  ['run:prd:revise', 'prd_revise', 'pm', 'code-only', 'markdown_only', 'revise', true],
  ['run:arch', 'arch', 'sa', 'full-env', 'markdown_only', 'work', true],
  ['run:arch:revise', 'arch_revise', 'sa', 'full-env', 'markdown_only', 'revise', true],
  ['run:design', 'design', 'sa', 'full-env', 'markdown_only', 'work', true],
  ['run:design:revise', 'design_revise', 'sa', 'full-env', 'markdown_only', 'revise', true],
  ['run:plan', 'plan', 'em', 'full-env', 'markdown_only', 'work', true],
  ['run:plan:revise', 'plan_revise', 'em', 'full-env', 'markdown_only', 'revise', true],
  ['run:dev', 'dev', 'dev', 'full-env', 'any', 'work', true],
  ['run:dev:revise', 'dev_revise', 'dev', 'full-env', 'any', 'revise', true],
  ['run:doc-audit', 'doc_audit', 'km', 'full-env', 'markdown_only', 'work', true],
  ['run:doc-audit:revise', 'doc_audit_revise', 'km', 'full-env', 'markdown_only', 'revise', true],
  ['run:qa', 'qa', 'qa', 'full-env', 'markdown_only', 'work', true],
  ['run:qa:revise', 'qa_revise', 'qa', 'full-env', 'markdown_only', 'revise', true],
  ['run:release', 'release', 'em', 'full-env', 'markdown_only', 'work', true],
  ['run:release:revise', 'release_revise', 'em', 'full-env', 'markdown_only', 'revise', true],
  ['run:postdeploy', 'postdeploy', 'sre', 'full-env', 'markdown_only', 'work', true],
  ['run:postdeploy:revise', 'postdeploy_revise', 'sre', 'full-env', 'markdown_only', 'revise', true],
  ['run:ops', 'ops', 'sre', 'full-env', 'markdown_only', 'work', true],
  ['run:ops:revise', 'ops_revise', 'sre', 'full-env', 'markdown_only', 'revise', true],
  ['run:ai-repair', 'ai_repair', 'sre', 'code-only', 'any', 'work', false],
  ['run:self-improve', 'self_improve', 'km', 'code-only', 'self_improve_only', 'work', true],
  ['run:self-improve:revise', 'self_improve_revise', 'km', 'code-only', 'self_improve_only', 'revise', true],
  ['run:rethink', 'rethink', 'em', 'full-env', 'markdown_only', 'work', true],
];

describe('the run:* catalog', () => {
  it('has exactly the 28 labels of the domain table', () => {
    expect(DEFAULT_LABEL_CATALOG.triggers.map((t) => t.label).sort()).toEqual(TABLE.map((r) => r[0]).sort());
  });

  it.each(TABLE)('%s -> %s / %s / %s / %s / %s / PR %s', (label, kind, agent, runtime, scope, prompt, pr) => {
    expect(findTriggerLabel(DEFAULT_LABEL_CATALOG, label)).toMatchObject({ triggerKind: kind, agentKey: agent, runtimeMode: runtime, writeScope: scope, promptKind: prompt, prOutput: pr });
  });

  it('places qa and release on the candidate, postdeploy and ops in production (§2.9)', () => {
    const placement = (l: string) => findTriggerLabel(DEFAULT_LABEL_CATALOG, l)?.placement;
    expect(['run:qa', 'run:qa:revise', 'run:release', 'run:release:revise'].map(placement)).toEqual(Array(4).fill('candidate_required'));
    expect(['run:postdeploy', 'run:postdeploy:revise', 'run:ops', 'run:ops:revise'].map(placement)).toEqual(Array(4).fill('production'));
    expect(placement('run:dev')).toBe('candidate');
  });

  it('matches names case-insensitively and trimmed, and never the legacy run:debug', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TABLE.map((r) => r[0])), fc.array(fc.boolean(), { maxLength: 30 }), fc.constantFrom('', ' ', '\t'), (label, upper, pad) => {
        const mixed = [...label].map((c, i) => (upper[i] === true ? c.toUpperCase() : c)).join('');
        expect(findTriggerLabel(DEFAULT_LABEL_CATALOG, `${pad}${mixed}${pad}`)?.label).toBe(label);
      }),
    );
    expect(LEGACY_LABELS.map((l) => findTriggerLabel(DEFAULT_LABEL_CATALOG, l))).toEqual([undefined]);
  });

  it('knows the state, need, mode, model and reasoning labels with their values (§2.3, §2.4)', () => {
    const c = DEFAULT_LABEL_CATALOG;
    expect(c.states.map((s) => s.label)).toEqual(['state:blocked', 'state:in-review', 'state:approved', 'state:superseded', 'state:abandoned']);
    expect(c.needs.map((s) => s.label)).toEqual(['need:input', 'need:pm', 'need:sa', 'need:qa', 'need:sre', 'need:em', 'need:km', 'need:reviewer']);
    expect(c.discussion.label).toBe('mode:discussion');
    expect(c.models.map((m) => [m.label, m.value])).toContainEqual(['[ai-model-gpt-5.3-codex-spark]', 'gpt-5.3-codex-spark']);
    expect(c.models).toHaveLength(7);
    expect(c.reasonings.map((m) => [m.label, m.value])).toEqual([
      ['[ai-reasoning-low]', 'low'],
      ['[ai-reasoning-medium]', 'medium'],
      ['[ai-reasoning-high]', 'high'],
      ['[ai-reasoning-extra-high]', 'xhigh'],
    ]);
  });
});

describe('per-project label names', () => {
  it('renames by stable id and keeps every rule attached to the renamed label', () => {
    const renamed = withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:dev': 'AI: develop', 'need:reviewer': 'review-please' });
    expect(renamed.ok).toBe(true);
    if (renamed.ok) {
      expect(findTriggerLabel(renamed.value, 'ai: DEVELOP')).toMatchObject({ id: 'run:dev', triggerKind: 'dev' });
      expect(findTriggerLabel(renamed.value, 'run:dev')).toBeUndefined();
      expect(renamed.value.reviewer.label).toBe('review-please');
      expect(renamed.value.needs.find((n) => n.id === 'need:reviewer')?.label).toBe('review-please');
    }
  });

  it('refuses unknown ids, empty or over-long names and two labels with one name', () => {
    expect(withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:deploy': 'x' })).toEqual({ ok: false, error: ['unknown label id run:deploy'] });
    expect(withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:dev': '  ' })).toMatchObject({ ok: false });
    expect(withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:dev': 'x'.repeat(51) })).toMatchObject({ ok: false });
    expect(withLabelNames(DEFAULT_LABEL_CATALOG, { 'run:dev': 'RUN:QA' })).toEqual({ ok: false, error: ['labels run:dev and run:qa share the name run:qa'] });
  });
});
