/**
 * The namespace TTL sweep as a pure plan (docs/domain.md §5.8:
 * expiry deletes). The cluster-agent lists namespaces, asks the edge which run
 * ids are still active, and deletes only what this plan says. Anything not
 * provably ours — wrong managed-by, another installation, outside the prefix,
 * not a run namespace — is never touched.
 */
import { MANAGED_BY, prefixedKey } from './label-syntax.ts';
import { LEASE_EXPIRES_ANNOTATION } from './namespace-ttl.ts';

export const MANAGED_BY_LABEL = prefixedKey('managed-by');
export const PURPOSE_LABEL = prefixedKey('namespace-purpose');
export const INSTALLATION_LABEL = prefixedKey('cluster-agent');
export const RUN_ID_LABEL = prefixedKey('run-id');
export const RUNTIME_MODE_LABEL = prefixedKey('runtime-mode');

export interface ObservedNamespace {
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  creationTimestamp: string | null;
  deletionTimestamp: string | null;
}

export interface SweepInput {
  namespaces: readonly ObservedNamespace[];
  now: Date;
  /** This installation's name (`<LABEL_PREFIX>/cluster-agent`). */
  installation: string;
  /** Run namespace prefix; only names starting with `<prefix>-` are considered. */
  prefix: string;
  /** Used when a namespace has no expiry annotation (`lease_source=created_at_fallback`). */
  fallbackTtlSeconds: number;
  /** Runs the edge reports as active (pending, running, waiting_*). */
  activeRunIds: ReadonlySet<string>;
  /** Namespaces with a live run Job or Pod. */
  busyNamespaces: ReadonlySet<string>;
  /** At most this many deletions per sweep (`STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT`). */
  limit: number;
}

export type SweepReason =
  | 'not_managed'
  | 'terminating'
  | 'not_expired'
  | 'missing_run_id_label'
  | 'active_run_in_db'
  | 'active_workloads_present'
  | 'sweep_limit'
  | 'ttl_expired';

export interface SweepDecision {
  name: string;
  action: 'delete' | 'keep';
  reason: SweepReason;
  runId: string | null;
  expiresAt: string | null;
  leaseSource: 'annotation' | 'created_at_fallback' | null;
}

/** Ours beyond doubt: every managed label, this installation, our prefix. */
export function isManagedRunNamespace(ns: ObservedNamespace, installation: string, prefix: string): boolean {
  return (
    ns.labels[MANAGED_BY_LABEL] === MANAGED_BY &&
    ns.labels[PURPOSE_LABEL] === 'run' &&
    ns.labels[INSTALLATION_LABEL] === installation &&
    ns.labels[RUNTIME_MODE_LABEL] !== undefined &&
    ns.name.startsWith(`${prefix}-`)
  );
}

function expiryOf(ns: ObservedNamespace, fallbackTtlSeconds: number): { at: number; source: SweepDecision['leaseSource'] } | null {
  const annotated = Date.parse(ns.annotations[LEASE_EXPIRES_ANNOTATION] ?? '');
  if (Number.isFinite(annotated)) {
    return { at: annotated, source: 'annotation' };
  }
  const created = Date.parse(ns.creationTimestamp ?? '');
  return Number.isFinite(created) ? { at: created + fallbackTtlSeconds * 1000, source: 'created_at_fallback' } : null;
}

/**
 * Decide, for every listed namespace, whether to delete it now.
 * @example planNamespaceSweep({ namespaces: [], now, installation: 'stageline', prefix: 'stageline-issue',
 *   fallbackTtlSeconds: 86400, activeRunIds: new Set(), busyNamespaces: new Set(), limit: 200 }) // []
 */
export function planNamespaceSweep(input: SweepInput): SweepDecision[] {
  let deletions = 0;
  return input.namespaces.map((ns): SweepDecision => {
    const runId = ns.labels[RUN_ID_LABEL] ?? null;
    const expiry = expiryOf(ns, input.fallbackTtlSeconds);
    const base = { name: ns.name, runId, expiresAt: expiry ? new Date(expiry.at).toISOString() : null, leaseSource: expiry?.source ?? null };
    const keep = (reason: SweepReason): SweepDecision => ({ ...base, action: 'keep', reason });
    if (!isManagedRunNamespace(ns, input.installation, input.prefix)) {
      return keep('not_managed');
    }
    if (ns.deletionTimestamp !== null) {
      return keep('terminating');
    }
    if (expiry === null || expiry.at > input.now.getTime()) {
      return keep('not_expired');
    }
    if (runId === null || runId === '') {
      return keep('missing_run_id_label');
    }
    if (input.activeRunIds.has(runId)) {
      return keep('active_run_in_db');
    }
    if (input.busyNamespaces.has(ns.name)) {
      return keep('active_workloads_present');
    }
    if (deletions >= input.limit) {
      return keep('sweep_limit');
    }
    deletions += 1;
    return { ...base, action: 'delete', reason: 'ttl_expired' };
  });
}

/** Label selector that lists candidate namespaces (the plan re-checks each one). */
export const SWEEP_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY},${PURPOSE_LABEL}=run`;

