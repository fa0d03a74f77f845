import { allLabels, type LabelCatalog } from './label-catalog.ts';

/** A label as GitHub stores it: what the App's label bootstrap creates. */
export interface LabelDefinition {
  name: string;
  /** Six hex digits, no `#` (GitHub's format). */
  color: string;
  description: string;
}

// One colour per class, so the board reads at a glance.
const COLORS = { trigger: '1d76db', revise: '5319e7', state: '0e8a16', need: 'd93f0b', mode: 'fbca04', model: 'c5def5', reasoning: 'bfdadc' } as const;

/**
 * Every label of the catalog with colour and description (GitHub limits a
 * description to 100 characters). Idempotent bootstrap compares names
 * case-insensitively, as GitHub does.
 */
export function labelDefinitions(catalog: LabelCatalog): LabelDefinition[] {
  const described = new Map<string, LabelDefinition>();
  for (const t of catalog.triggers) {
    const what = t.promptKind === 'revise' ? `Revise the ${t.stage} stage` : `Run the ${t.stage} stage`;
    described.set(t.id, { name: t.label, color: t.promptKind === 'revise' ? COLORS.revise : COLORS.trigger, description: `Stageline: ${what} (agent ${t.agentKey})` });
  }
  for (const s of catalog.states) {
    described.set(s.id, { name: s.label, color: COLORS.state, description: `Stageline state: ${s.id.slice('state:'.length)}` });
  }
  for (const n of catalog.needs) {
    const who = n.id.slice('need:'.length);
    const text = n.id === catalog.reviewer.id ? 'Stageline: on a PR, starts a reviewer agent' : n.id === catalog.needInput.id ? 'Stageline: a trigger needs a human decision' : `Stageline: needs ${who} attention`;
    described.set(n.id, { name: n.label, color: COLORS.need, description: text });
  }
  described.set(catalog.discussion.id, { name: catalog.discussion.label, color: COLORS.mode, description: 'Stageline: discuss the issue with an agent (comments only)' });
  for (const m of catalog.models) {
    described.set(m.id, { name: m.label, color: COLORS.model, description: `Stageline: use model ${m.value}` });
  }
  for (const r of catalog.reasonings) {
    described.set(r.id, { name: r.label, color: COLORS.reasoning, description: `Stageline: reasoning effort ${r.value}` });
  }
  return allLabels(catalog).flatMap((l) => {
    const def = described.get(l.id);
    return def === undefined ? [] : [{ ...def, description: def.description.slice(0, 100) }];
  });
}
