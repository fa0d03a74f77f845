import { valueLabelsIn, type LabelCatalog, type ValueLabel } from './label-catalog.ts';

export type ProfileSource = 'issue_label' | 'pull_request_label' | 'last_run_context' | 'agent_default';

/** One level of the resolution chain, in the order it is consulted. */
export interface ProfileLevel {
  source: Exclude<ProfileSource, 'agent_default'>;
  labels: readonly string[];
}

export interface AgentProfile {
  model: string;
  modelSource: ProfileSource;
  reasoningEffort: string;
  reasoningSource: ProfileSource;
}

export type ProfileResult = { ok: true; value: AgentProfile } | { ok: false; reason: 'multiple_model_labels' | 'multiple_reasoning_labels'; message: string };

/**
 * Model and reasoning effort for a run (docs/domain.md §2.4), each group on its
 * own: the first level with any label of the group decides; two labels of the
 * group at that level are a conflict. Normal runs pass PR → issue → last run;
 * a review-driven revise passes issue → PR → last run.
 */
export function resolveAgentProfile(levels: readonly ProfileLevel[], catalog: LabelCatalog, defaults: { model: string; reasoningEffort: string }): ProfileResult {
  const model = pick(levels, catalog.models);
  if (!model.ok) {
    return { ok: false, reason: 'multiple_model_labels', message: `multiple ai-model labels found (${model.labels.join(', ')}); keep one` };
  }
  const reasoning = pick(levels, catalog.reasonings);
  if (!reasoning.ok) {
    return { ok: false, reason: 'multiple_reasoning_labels', message: `multiple ai-reasoning labels found (${reasoning.labels.join(', ')}); keep one` };
  }
  return {
    ok: true,
    value: {
      model: model.value?.label.value ?? defaults.model,
      modelSource: model.value?.source ?? 'agent_default',
      reasoningEffort: reasoning.value?.label.value ?? defaults.reasoningEffort,
      reasoningSource: reasoning.value?.source ?? 'agent_default',
    },
  };
}

type Pick = { ok: true; value: { label: ValueLabel; source: ProfileLevel['source'] } | undefined } | { ok: false; labels: string[] };

function pick(levels: readonly ProfileLevel[], group: readonly ValueLabel[]): Pick {
  for (const level of levels) {
    const found = valueLabelsIn(group, level.labels);
    if (found.length > 1) {
      return { ok: false, labels: found.map((l) => l.label) };
    }
    const [only] = found;
    if (only !== undefined) {
      return { ok: true, value: { label: only, source: level.source } };
    }
  }
  return { ok: true, value: undefined };
}
