/**
 * Role-based retention of run namespaces (docs/domain.md §5.7): the lease
 * is `now + ttl(agent_key)`, written as annotations on the namespace; a
 * `:revise` run reuses the namespace and extends it from now.
 */
import { prefixedKey } from './label-syntax.ts';

export const DEFAULT_NAMESPACE_TTL_SECONDS = 24 * 60 * 60;

export interface NamespaceTtlConfig {
  defaultSeconds: number;
  /** Per `agent_key` override; values ≤ 0 fall back to the default. */
  byRole: Readonly<Record<string, number>>;
}

export const LEASE_TTL_ANNOTATION = prefixedKey('namespace-lease-ttl');
export const LEASE_EXPIRES_ANNOTATION = prefixedKey('namespace-lease-expires-at');
export const LEASE_UPDATED_ANNOTATION = prefixedKey('namespace-lease-updated-at');

/**
 * @example namespaceTtlSeconds('dev', { defaultSeconds: 86400, byRole: { dev: 3600 } }) === 3600
 */
export function namespaceTtlSeconds(agentKey: string, config: NamespaceTtlConfig): number {
  const own = config.byRole[agentKey];
  if (own !== undefined && own > 0) {
    return own;
  }
  return config.defaultSeconds > 0 ? config.defaultSeconds : DEFAULT_NAMESPACE_TTL_SECONDS;
}

/**
 * The lease TTL annotation's duration text (Go's time.Duration format).
 * @example formatDuration(86400) === '24h0m0s'
 */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}

/** The three lease annotations for a namespace created or reused at `now`. */
export function namespaceLeaseAnnotations(now: Date, ttlSeconds: number): Record<string, string> {
  return {
    [LEASE_TTL_ANNOTATION]: formatDuration(ttlSeconds),
    [LEASE_EXPIRES_ANNOTATION]: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    [LEASE_UPDATED_ANNOTATION]: now.toISOString(),
  };
}

/** `*_revise` stages continue in the existing namespace (§5.7 rule 5). */
export function isReviseKind(triggerKind: string): boolean {
  return triggerKind.endsWith('_revise');
}
