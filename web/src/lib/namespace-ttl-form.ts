/**
 * A project's namespace TTL (`agent_settings.namespace_ttl`, docs/domain.md
 * §5.7) as form fields: a default and one field per agent key, each a
 * duration in the Helm values' notation (`24h`, `1h30m`), empty where the
 * cluster's Helm config decides. The fields are checked with the policy
 * parser the edge uses (policy/src/project-namespace-ttl.ts), so a refusal
 * reads the same before and after sending.
 */
import { NAMESPACE_TTL_ROLES, parseProjectNamespaceTtl } from '@stageline/policy';
import { isRecord } from './run.ts';

export type NamespaceTtlFields = {
  default: string;
  /** Every agent key of NAMESPACE_TTL_ROLES; empty: the project default, else the cluster's. */
  by_role: Readonly<Record<string, string>>;
};

export const EMPTY_TTL_FIELDS: NamespaceTtlFields = Object.freeze({
  default: '',
  by_role: Object.freeze(Object.fromEntries(NAMESPACE_TTL_ROLES.map((role) => [role, '']))),
});

const isText = (value: unknown): value is string => typeof value === 'string';

/**
 * The fields of a stored `namespace_ttl`; null when it holds something they
 * cannot show (a number, an unknown role or key), which then stays in the
 * agent-settings JSON for the edge to name.
 */
export function toTtlFields(stored: unknown): NamespaceTtlFields | null {
  if (stored === undefined) {
    return EMPTY_TTL_FIELDS;
  }
  if (!isRecord(stored) || Object.keys(stored).some((key) => key !== 'default' && key !== 'by_role')) {
    return null;
  }
  const byRole = stored['by_role'] ?? {};
  const fits =
    (stored['default'] === undefined || isText(stored['default'])) &&
    isRecord(byRole) &&
    Object.entries(byRole).every(([role, value]) => NAMESPACE_TTL_ROLES.includes(role) && isText(value));
  if (!fits) {
    return null;
  }
  return { default: isText(stored['default']) ? stored['default'] : '', by_role: { ...EMPTY_TTL_FIELDS.by_role, ...(byRole as Record<string, string>) } };
}

/** The `namespace_ttl` setting the fields ask for; undefined when every field is empty. */
export function fromTtlFields(fields: NamespaceTtlFields): Record<string, unknown> | undefined {
  const fallback = fields.default.trim();
  const byRole = Object.fromEntries(
    Object.entries(fields.by_role)
      .map(([role, text]) => [role, text.trim()] as const)
      .filter(([, text]) => text !== ''),
  );
  const setting: Record<string, unknown> = {
    ...(fallback === '' ? {} : { default: fallback }),
    ...(Object.keys(byRole).length === 0 ? {} : { by_role: byRole }),
  };
  return Object.keys(setting).length === 0 ? undefined : setting;
}

/** The policy's refusals of a setting, named as the edge names them (`agent_settings: …`). */
export function ttlProblems(setting: unknown): string[] {
  return parseProjectNamespaceTtl(setting).errors.map((error) => `agent_settings: ${error}`);
}
