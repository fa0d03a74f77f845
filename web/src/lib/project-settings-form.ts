/**
 * The project settings form (docs/domain.md §8.3) as text fields, and the
 * PATCH body it amounts to. Only what changed is sent: an unchanged setting is
 * not checked again, and a project admin never sends the fields only platform
 * admins may change (cluster, installation), which the edge would refuse with
 * 403. Problems found before sending are named like the edge names its own
 * (`label_names: …`), so both kinds read the same next to the form. The
 * namespace TTL of the agent settings has its own fields (namespace-ttl-form.ts)
 * and is merged back into `agent_settings` on the way out.
 */
import { err, ok, type Result } from '@stageline/policy';
import { EMPTY_TTL_FIELDS, fromTtlFields, toTtlFields, ttlProblems, type NamespaceTtlFields } from './namespace-ttl-form.ts';
import { CLUSTER_ID_PATTERN } from './ops-api.ts';
import type { Project, ProjectChange } from './projects-api.ts';
import { isRecord } from './run.ts';

export type ProjectSettingsForm = {
  name: string;
  /** Empty: the edge's default. */
  slots: string;
  label_names: string;
  /** The agent settings JSON, without `namespace_ttl` when the TTL fields show it. */
  agent_settings: string;
  namespace_ttl: NamespaceTtlFields;
  approval_overrides: string;
  /** Empty: no cluster. */
  cluster_id: string;
  /** Empty: no installation claimed. */
  github_installation_id: string;
};

export const MAX_SLOTS = 1000;
export const MAX_NAME_LENGTH = 100;

export function toSettingsForm(project: Project): ProjectSettingsForm {
  const ttl = toTtlFields(project.agent_settings['namespace_ttl']);
  const agentSettings = ttl === null ? project.agent_settings : withoutKey(project.agent_settings, 'namespace_ttl');
  return {
    name: project.name,
    slots: project.slots === null ? '' : String(project.slots),
    label_names: JSON.stringify(project.label_names, null, 2),
    agent_settings: JSON.stringify(agentSettings, null, 2),
    namespace_ttl: ttl ?? EMPTY_TTL_FIELDS,
    approval_overrides: JSON.stringify(project.approval_overrides, null, 2),
    cluster_id: project.cluster_id ?? '',
    github_installation_id: project.github_installation_id === null ? '' : String(project.github_installation_id),
  };
}

/**
 * The change the form asks for, against the project as loaded; every problem
 * at once when some field does not parse. Platform-admin fields are read only
 * when `platformAdmin`.
 */
export function toProjectChange(project: Project, form: ProjectSettingsForm, options: { platformAdmin: boolean }): Result<ProjectChange, string[]> {
  const problems: string[] = [];
  const change: ProjectChange = {};

  const name = form.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    problems.push(`name: 1-${MAX_NAME_LENGTH} characters`);
  } else if (name !== project.name) {
    change.name = name;
  }

  const slots = parseOptionalInteger(form.slots, 0, MAX_SLOTS);
  if (slots === undefined) {
    problems.push(`slots: a whole number from 0 to ${MAX_SLOTS}, or empty for the default`);
  } else if (slots !== project.slots) {
    change.slots = slots;
  }

  const labelNames = parseJson(form.label_names, 'label_names', problems);
  if (labelNames !== undefined) {
    if (!isRecord(labelNames) || !Object.values(labelNames).every((value) => typeof value === 'string')) {
      problems.push('label_names: an object of label id → name, e.g. {"run:dev": "ai:dev"}');
    } else if (!isSameJson(labelNames, project.label_names)) {
      change.label_names = labelNames as Record<string, string>;
    }
  }

  const agentSettings = parseJson(form.agent_settings, 'agent_settings', problems);
  if (agentSettings !== undefined) {
    if (!isRecord(agentSettings)) {
      problems.push('agent_settings: an object, e.g. {"engine": "codex"}');
    } else {
      const merged = withNamespaceTtl(agentSettings, form.namespace_ttl, problems);
      if (merged !== undefined && !isSameJson(merged, project.agent_settings)) {
        const refused = merged['namespace_ttl'] === undefined ? [] : ttlProblems(merged['namespace_ttl']);
        problems.push(...refused);
        if (refused.length === 0) {
          change.agent_settings = merged;
        }
      }
    }
  }

  const overrides = parseJson(form.approval_overrides, 'approval_overrides', problems);
  if (overrides !== undefined) {
    if (!Array.isArray(overrides)) {
      problems.push('approval_overrides: a list, e.g. [{"tool": "secret_sync", "mode": "deny"}]');
    } else if (!isSameJson(overrides, project.approval_overrides)) {
      change.approval_overrides = overrides as unknown[];
    }
  }

  if (options.platformAdmin) {
    const cluster = form.cluster_id.trim();
    if (cluster !== '' && !CLUSTER_ID_PATTERN.test(cluster)) {
      problems.push('cluster_id: lower-case letters, digits and dashes, at most 63');
    } else if ((cluster === '' ? null : cluster) !== project.cluster_id) {
      change.cluster_id = cluster === '' ? null : cluster;
    }
    const installation = parseOptionalInteger(form.github_installation_id, 1, Number.MAX_SAFE_INTEGER);
    if (installation === undefined) {
      problems.push('github_installation_id: a positive whole number, or empty for none');
    } else if (installation !== project.github_installation_id) {
      change.github_installation_id = installation;
    }
  }

  return problems.length > 0 ? err(problems) : ok(change);
}

/** The JSON's settings plus the TTL fields' `namespace_ttl`; undefined (with a problem) when both set it. */
function withNamespaceTtl(settings: Record<string, unknown>, fields: NamespaceTtlFields, problems: string[]): Record<string, unknown> | undefined {
  const ttl = fromTtlFields(fields);
  if (ttl === undefined) {
    return settings;
  }
  if (settings['namespace_ttl'] !== undefined) {
    problems.push('agent_settings: namespace_ttl is set both in the JSON and in the TTL fields; keep one');
    return undefined;
  }
  return { ...settings, namespace_ttl: ttl };
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/** `null` for an empty field, the number when it is a whole number in range, else `undefined`. */
function parseOptionalInteger(text: string, min: number, max: number): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return null;
  }
  if (!/^\d+$/.test(trimmed)) {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

function parseJson(text: string, field: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push(`${field}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

/** Equal as JSON regardless of key order. */
export function isSameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}
