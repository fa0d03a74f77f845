/**
 * Trigger labels as data (STYLE.md §2: catalogs are data, not switches).
 * The walking skeleton knows one row of domain.md §2.2; the full 28-label
 * table arrives with the label-policy issue and only adds rows here.
 */
export interface TriggerLabel {
  /** Label name as configured (default: the literal name of §2.2). */
  label: string;
  /** Canonical stage token stored in `run_payload.trigger.kind`. */
  triggerKind: string;
  /** System agent role launched for the stage. */
  agentKey: string;
}

export interface LabelCatalog {
  triggers: readonly TriggerLabel[];
}

export const DEFAULT_LABEL_CATALOG: LabelCatalog = {
  triggers: [{ label: 'run:dev', triggerKind: 'dev', agentKey: 'dev' }],
};

/** Label matching is case-insensitive and trimmed (domain.md §2.1). */
export function normalizeLabel(name: string): string {
  return name.trim().toLowerCase();
}

export function findTriggerLabel(catalog: LabelCatalog, name: string): TriggerLabel | undefined {
  const wanted = normalizeLabel(name);
  return catalog.triggers.find((t) => normalizeLabel(t.label) === wanted);
}
