import { describe, expect, it } from 'vitest';
import { resolveAgentProfile } from './agent-profile.ts';
import { DEFAULT_LABEL_CATALOG as C } from './label-catalog.ts';

const defaults = { model: 'gpt-5.4', reasoningEffort: 'high' };

describe('resolveAgentProfile (docs/domain.md §2.4)', () => {
  it('falls back to the defaults', () => {
    expect(resolveAgentProfile([], C, defaults)).toEqual({ ok: true, value: { model: 'gpt-5.4', modelSource: 'agent_default', reasoningEffort: 'high', reasoningSource: 'agent_default' } });
  });

  it('resolves each group at the first level that has one of its labels', () => {
    const result = resolveAgentProfile(
      [
        { source: 'pull_request_label', labels: ['[ai-reasoning-low]'] },
        { source: 'issue_label', labels: ['[AI-MODEL-GPT-5.2]', '[ai-reasoning-high]'] },
        { source: 'last_run_context', labels: ['[ai-model-gpt-5.3-codex]'] },
      ],
      C,
      defaults,
    );
    expect(result).toEqual({ ok: true, value: { model: 'gpt-5.2', modelSource: 'issue_label', reasoningEffort: 'low', reasoningSource: 'pull_request_label' } });
  });

  it('maps extra-high to xhigh', () => {
    expect(resolveAgentProfile([{ source: 'issue_label', labels: ['[ai-reasoning-extra-high]'] }], C, defaults)).toMatchObject({ ok: true, value: { reasoningEffort: 'xhigh' } });
  });

  it('refuses two labels of one group at the deciding level, not across levels', () => {
    expect(resolveAgentProfile([{ source: 'issue_label', labels: ['[ai-model-gpt-5.2]', '[ai-model-gpt-5.4]'] }], C, defaults)).toMatchObject({ ok: false, reason: 'multiple_model_labels' });
    expect(resolveAgentProfile([{ source: 'issue_label', labels: ['[ai-reasoning-low]', '[ai-reasoning-high]'] }], C, defaults)).toMatchObject({ ok: false, reason: 'multiple_reasoning_labels' });
    expect(
      resolveAgentProfile(
        [
          { source: 'pull_request_label', labels: ['[ai-model-gpt-5.2]'] },
          { source: 'issue_label', labels: ['[ai-model-gpt-5.4]', '[ai-model-gpt-5.3-codex]'] },
        ],
        C,
        defaults,
      ),
    ).toMatchObject({ ok: true, value: { model: 'gpt-5.2' } });
  });
});
