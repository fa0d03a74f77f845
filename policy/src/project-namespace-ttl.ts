/**
 * A project's retention of run namespaces (docs/domain.md §5.7, agent settings
 * in §2.10): `agent_settings.namespace_ttl = { "default": "24h", "by_role":
 * { "dev": "48h" } }`, both parts optional, in the Helm chart's duration
 * notation (duration.ts). The edge decides a run's value at claim time and the
 * claim carries it as `namespaceTtlSeconds`; null leaves the decision to the
 * cluster's Helm config (namespace-ttl.ts `namespaceTtlSeconds`), and the
 * agent checks the bounds again before it trusts the number.
 *
 *   project by_role[agent_key] ─► project default ─► null (Helm's by-role ─► Helm's default)
 */
import { parseDurationSeconds } from './duration.ts';
import { DEFAULT_LABEL_CATALOG } from './label-catalog.ts';
import { namespaceTtlSeconds, type NamespaceTtlConfig } from './namespace-ttl.ts';

/** Shorter would sweep a namespace while someone still reads it; longer holds a cluster's quota for a month. */
export const MIN_PROJECT_NAMESPACE_TTL_SECONDS = 10 * 60;
export const MAX_PROJECT_NAMESPACE_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * The agent keys a project TTL may name: every stage's agent in the catalog,
 * plus `reviewer`, the agent of review runs (route-delivery.ts). Project label
 * names rename labels, never agent keys, so the list is the same for all.
 */
export const NAMESPACE_TTL_ROLES: readonly string[] = Object.freeze([...new Set([...DEFAULT_LABEL_CATALOG.triggers.map((t) => t.agentKey), 'reviewer'])]);

export interface ProjectNamespaceTtl {
  /** Seconds for roles without their own value; null: the cluster's Helm config decides. */
  defaultSeconds: number | null;
  byRole: Readonly<Record<string, number>>;
}

const RANGE_TEXT = '10m and 720h (30 days)';
const EXAMPLE = '{"default": "24h", "by_role": {"dev": "48h"}}';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A TTL the project may set: whole seconds within the bounds. */
export function isProjectNamespaceTtlSeconds(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= MIN_PROJECT_NAMESPACE_TTL_SECONDS && seconds <= MAX_PROJECT_NAMESPACE_TTL_SECONDS;
}

function durationOf(field: string, raw: unknown, errors: string[]): number | null {
  const seconds = typeof raw === 'string' ? parseDurationSeconds(raw) : undefined;
  if (seconds === undefined) {
    errors.push(`${field} must be a duration like 24h or 1h30m (units h, m, s)`);
    return null;
  }
  if (!isProjectNamespaceTtlSeconds(seconds)) {
    errors.push(`${field} must be between ${RANGE_TEXT}`);
    return null;
  }
  return seconds;
}

function byRoleOf(raw: unknown, errors: string[]): Record<string, number> {
  if (!isRecord(raw)) {
    errors.push('namespace_ttl.by_role must be an object of agent key → duration, e.g. {"dev": "48h"}');
    return {};
  }
  const byRole: Record<string, number> = {};
  for (const [role, text] of Object.entries(raw)) {
    if (!NAMESPACE_TTL_ROLES.includes(role)) {
      errors.push(`namespace_ttl.by_role: unknown agent key ${role.slice(0, 64)} (one of ${NAMESPACE_TTL_ROLES.join(', ')})`);
      continue;
    }
    const seconds = durationOf(`namespace_ttl.by_role.${role}`, text, errors);
    if (seconds !== null) {
      byRole[role] = seconds;
    }
  }
  return byRole;
}

/**
 * Each bad part is dropped with its own error and the good ones kept, like
 * the other agent settings: a bad row must not stop a run.
 * @example parseProjectNamespaceTtl({ default: '24h', by_role: { dev: '48h' } }).value
 *   // { defaultSeconds: 86400, byRole: { dev: 172800 } }
 * @example parseProjectNamespaceTtl({ default: '5m' }).errors[0] === 'namespace_ttl.default must be between 10m and 720h (30 days)'
 */
export function parseProjectNamespaceTtl(raw: unknown): { value: ProjectNamespaceTtl | null; errors: string[] } {
  if (!isRecord(raw)) {
    return { value: null, errors: [`namespace_ttl must be an object like ${EXAMPLE}`] };
  }
  const errors: string[] = [];
  for (const key of Object.keys(raw)) {
    if (key !== 'default' && key !== 'by_role') {
      errors.push(`unknown namespace_ttl setting ${key.slice(0, 64)}`);
    }
  }
  const defaultSeconds = raw['default'] === undefined ? null : durationOf('namespace_ttl.default', raw['default'], errors);
  const byRole = raw['by_role'] === undefined ? {} : byRoleOf(raw['by_role'], errors);
  const empty = defaultSeconds === null && Object.keys(byRole).length === 0;
  return { value: empty ? null : { defaultSeconds, byRole: Object.freeze(byRole) }, errors };
}

/**
 * The project's TTL for a run of `agentKey`, or null when the project leaves
 * it to the cluster.
 * @example projectNamespaceTtlSeconds('dev', { defaultSeconds: 3600, byRole: { dev: 7200 } }) === 7200
 * @example projectNamespaceTtlSeconds('qa', { defaultSeconds: null, byRole: { dev: 7200 } }) === null
 */
export function projectNamespaceTtlSeconds(agentKey: string, ttl: ProjectNamespaceTtl | null): number | null {
  if (ttl === null) {
    return null;
  }
  return (Object.hasOwn(ttl.byRole, agentKey) ? ttl.byRole[agentKey] : undefined) ?? ttl.defaultSeconds;
}

/**
 * The cluster-agent's rule (docs/domain.md §5.7 rule 2): the claim's project
 * TTL when it is one a project may set, else the Helm config's. A value out of
 * bounds (a newer or misbehaving edge) is ignored, not clamped.
 * @example runNamespaceTtlSeconds('dev', 7200, { defaultSeconds: 86400, byRole: {} }) === 7200
 * @example runNamespaceTtlSeconds('dev', null, { defaultSeconds: 86400, byRole: { dev: 3600 } }) === 3600
 */
export function runNamespaceTtlSeconds(agentKey: string, projectSeconds: number | null | undefined, helm: NamespaceTtlConfig): number {
  return projectSeconds != null && isProjectNamespaceTtlSeconds(projectSeconds) ? projectSeconds : namespaceTtlSeconds(agentKey, helm);
}
