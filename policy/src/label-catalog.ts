/**
 * The label taxonomy as data (docs/domain.md §2.1–§2.4; catalogs are
 * data, not switches). Every label has a stable id (its default name) and a
 * configurable name; matching is case-insensitive and trimmed. The rules that
 * read the catalog live in evaluate-trigger.ts and its helpers.
 */

export type RuntimeMode = 'full-env' | 'code-only';
export type WriteScope = 'markdown_only' | 'any' | 'self_improve_only' | 'no_repo_changes' | 'discussion';
export type PromptKind = 'work' | 'revise';
/** Where a stage's runtime lives (§2.9). */
export type Placement = 'candidate' | 'candidate_required' | 'production' | 'repair';

export interface TriggerLabel {
  /** Stable id: the default label name (`run:dev`). Configuration renames by id. */
  id: string;
  /** Label name as configured (default: the id). */
  label: string;
  /** Canonical stage token stored in `run_payload.trigger.kind` (`dev_revise`). */
  triggerKind: string;
  /** The stage without `:revise` (`dev`), used by the review resolver and the next-step matrix. */
  stage: string;
  /** System agent role launched for the stage. */
  agentKey: string;
  runtimeMode: RuntimeMode;
  writeScope: WriteScope;
  promptKind: PromptKind;
  /** The run is expected to open or update a pull request. */
  prOutput: boolean;
  placement: Placement;
}

export interface PlainLabel {
  id: string;
  label: string;
}

/** `[ai-model-*]` / `[ai-reasoning-*]`: a label that carries a value for the coding agent (§2.4). */
export interface ValueLabel extends PlainLabel {
  value: string;
}

export interface LabelCatalog {
  triggers: readonly TriggerLabel[];
  states: readonly PlainLabel[];
  needs: readonly PlainLabel[];
  /** `mode:discussion`. */
  discussion: PlainLabel;
  /** `need:reviewer`: on a pull request it starts a reviewer run. */
  reviewer: PlainLabel;
  /** `need:input`: set by the platform when a trigger cannot be resolved. */
  needInput: PlainLabel;
  /** `state:in-review`: set at the end of a successful PR-flow run. */
  inReview: PlainLabel;
  models: readonly ValueLabel[];
  reasonings: readonly ValueLabel[];
}

/** One row per stage: [stage, agent, runtime mode, scope, PR, placement]. */
const STAGES: readonly [string, string, RuntimeMode, WriteScope, boolean, Placement][] = [
  ['intake', 'pm', 'code-only', 'markdown_only', true, 'candidate'],
  ['vision', 'pm', 'code-only', 'markdown_only', true, 'candidate'],
  ['prd', 'pm', 'code-only', 'markdown_only', true, 'candidate'],
  ['arch', 'sa', 'full-env', 'markdown_only', true, 'candidate'],
  ['design', 'sa', 'full-env', 'markdown_only', true, 'candidate'],
  ['plan', 'em', 'full-env', 'markdown_only', true, 'candidate'],
  ['dev', 'dev', 'full-env', 'any', true, 'candidate'],
  ['doc-audit', 'km', 'full-env', 'markdown_only', true, 'candidate'],
  ['qa', 'qa', 'full-env', 'markdown_only', true, 'candidate_required'],
  ['release', 'em', 'full-env', 'markdown_only', true, 'candidate_required'],
  ['postdeploy', 'sre', 'full-env', 'markdown_only', true, 'production'],
  ['ops', 'sre', 'full-env', 'markdown_only', true, 'production'],
  ['self-improve', 'km', 'code-only', 'self_improve_only', true, 'candidate'],
];

/** `doc-audit` → `doc_audit`: trigger kinds use underscores (§2.2). */
const kindOf = (stage: string): string => stage.replaceAll('-', '_');

function stageTriggers(): TriggerLabel[] {
  return STAGES.flatMap(([stage, agentKey, runtimeMode, writeScope, prOutput, placement]) => {
    const base = { stage, agentKey, runtimeMode, writeScope, prOutput, placement };
    return [
      { ...base, id: `run:${stage}`, label: `run:${stage}`, triggerKind: kindOf(stage), promptKind: 'work' as const },
      { ...base, id: `run:${stage}:revise`, label: `run:${stage}:revise`, triggerKind: `${kindOf(stage)}_revise`, promptKind: 'revise' as const },
    ];
  });
}

const plain = (id: string): PlainLabel => ({ id, label: id });

export const MODEL_VALUES = ['gpt-5.4', 'gpt-5.3-codex', 'gpt-5.3-codex-spark', 'gpt-5.2-codex', 'gpt-5.2', 'gpt-5.1-codex-max', 'gpt-5.1-codex-mini'] as const;
export const REASONING_VALUES: readonly [string, string][] = [
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
  ['extra-high', 'xhigh'],
];

export const DEFAULT_LABEL_CATALOG: LabelCatalog = {
  triggers: [
    ...stageTriggers(),
    // Outside the main path: a main-direct repair (no PR) and a re-scope.
    { id: 'run:ai-repair', label: 'run:ai-repair', triggerKind: 'ai_repair', stage: 'ai-repair', agentKey: 'sre', runtimeMode: 'code-only', writeScope: 'any', promptKind: 'work', prOutput: false, placement: 'repair' },
    { id: 'run:rethink', label: 'run:rethink', triggerKind: 'rethink', stage: 'rethink', agentKey: 'em', runtimeMode: 'full-env', writeScope: 'markdown_only', promptKind: 'work', prOutput: true, placement: 'candidate' },
  ],
  states: ['state:blocked', 'state:in-review', 'state:approved', 'state:superseded', 'state:abandoned'].map(plain),
  needs: ['need:input', 'need:pm', 'need:sa', 'need:qa', 'need:sre', 'need:em', 'need:km', 'need:reviewer'].map(plain),
  discussion: plain('mode:discussion'),
  reviewer: plain('need:reviewer'),
  needInput: plain('need:input'),
  inReview: plain('state:in-review'),
  models: MODEL_VALUES.map((value) => ({ id: `[ai-model-${value}]`, label: `[ai-model-${value}]`, value })),
  reasonings: REASONING_VALUES.map(([suffix, value]) => ({ id: `[ai-reasoning-${suffix}]`, label: `[ai-reasoning-${suffix}]`, value })),
};

/** The label `run:debug` is retired (docs/domain.md §5.7): never a trigger. */
export const LEGACY_LABELS: readonly string[] = ['run:debug'];

/** Label matching is case-insensitive and trimmed (docs/domain.md §2.1). */
export function normalizeLabel(name: string): string {
  return name.trim().toLowerCase();
}

const same = (a: string, b: string): boolean => normalizeLabel(a) === normalizeLabel(b);

export function findTriggerLabel(catalog: LabelCatalog, name: string): TriggerLabel | undefined {
  return catalog.triggers.find((t) => same(t.label, name));
}

export function findTriggerByKind(catalog: LabelCatalog, triggerKind: string): TriggerLabel | undefined {
  return catalog.triggers.find((t) => t.triggerKind === triggerKind);
}

/** The distinct trigger labels among `names` (an issue's labels), in catalog order. */
export function triggerLabelsIn(catalog: LabelCatalog, names: readonly string[]): TriggerLabel[] {
  return catalog.triggers.filter((t) => names.some((n) => same(t.label, n)));
}

export function hasLabel(names: readonly string[], label: PlainLabel): boolean {
  return names.some((n) => same(n, label.label));
}

export function valueLabelsIn(labels: readonly ValueLabel[], names: readonly string[]): ValueLabel[] {
  return labels.filter((l) => names.some((n) => same(n, l.label)));
}

/**
 * Apply per-project label names over the defaults: `{ "run:dev": "ai:dev" }`
 * renames by stable id. Unknown ids, empty names and two labels sharing a
 * name are configuration errors (returned, never thrown).
 */
export function withLabelNames(base: LabelCatalog, names: Readonly<Record<string, string>>): { ok: true; value: LabelCatalog } | { ok: false; error: string[] } {
  const ids = new Set(allLabels(base).map((l) => l.id));
  const errors: string[] = [];
  for (const [id, name] of Object.entries(names)) {
    if (!ids.has(id)) {
      errors.push(`unknown label id ${id}`);
    } else if (normalizeLabel(name) === '' || name.length > 50) {
      // GitHub label names are at most 50 characters.
      errors.push(`label ${id}: name must be 1-50 characters`);
    }
  }
  const rename = <T extends PlainLabel>(l: T): T => ({ ...l, label: names[l.id]?.trim() ?? l.label });
  const catalog: LabelCatalog = {
    triggers: base.triggers.map(rename),
    states: base.states.map(rename),
    needs: base.needs.map(rename),
    discussion: rename(base.discussion),
    reviewer: rename(base.reviewer),
    needInput: rename(base.needInput),
    inReview: rename(base.inReview),
    models: base.models.map(rename),
    reasonings: base.reasonings.map(rename),
  };
  const seen = new Map<string, string>();
  for (const l of uniqueById(allLabels(catalog))) {
    const key = normalizeLabel(l.label);
    const other = seen.get(key);
    if (other !== undefined) {
      errors.push(`labels ${other} and ${l.id} share the name ${l.label}`);
    }
    seen.set(key, l.id);
  }
  return errors.length > 0 ? { ok: false, error: errors } : { ok: true, value: catalog };
}

/** Every label of the catalog once (need:reviewer and need:input appear in `needs` too). */
export function allLabels(catalog: LabelCatalog): PlainLabel[] {
  return uniqueById([
    ...catalog.triggers,
    ...catalog.states,
    ...catalog.needs,
    catalog.discussion,
    catalog.reviewer,
    catalog.needInput,
    catalog.inReview,
    ...catalog.models,
    ...catalog.reasonings,
  ]);
}

function uniqueById<T extends PlainLabel>(labels: readonly T[]): T[] {
  const seen = new Set<string>();
  return labels.filter((l) => (seen.has(l.id) ? false : (seen.add(l.id), true)));
}
