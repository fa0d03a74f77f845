/**
 * The namespace TTL sweep (docs/domain.md §5.8: expiry
 * deletes), run every reconcile tick and once by `--sweep-once`.
 *
 *   list namespaces (policy SWEEP_SELECTOR) ─► would any go? ─► busy namespaces (live run Jobs/Pods)
 *   ─► plan without the edge: which would go? ─► none: done
 *   ─► ask the edge (runs.query) about their runs ─► no answer: delete NOTHING
 *   ─► plan again with the active runs (policy planNamespaceSweep)
 *   ─► per deletion: re-read, still ours, still expired, unchanged? ─► delete with uid + resourceVersion preconditions
 *
 * Every decision is one JSON log line with its guardrail details (name,
 * action, reason, run_id, lease_source, expires_at, cleanup_command). Keeps
 * of namespaces that are not ours or not expired are logged at debug level:
 * they repeat every tick.
 */
import { isManagedRunNamespace, LEASE_TTL_ANNOTATION, planNamespaceSweep, SWEEP_SELECTOR, type SweepDecision } from '@stageline/policy';
import type { RunState } from '@stageline/protocol';
import type { KubeGateway, NamespaceSnapshot } from '../kube/kube-gateway.ts';
import type { Logger } from '../lib/log.ts';

export type CleanupCommand = 'agent_tick' | 'cronjob';

export interface SweeperOptions {
  gateway: KubeGateway;
  log: Logger;
  installation: string;
  prefix: string;
  /** Lease of a namespace without the expiry annotation (the default namespace TTL). */
  fallbackTtlSeconds: number;
  limit: number;
  command: CleanupCommand;
  /** The edge's view of these runs; undefined when it cannot be asked. */
  queryRuns(runIds: readonly string[]): Promise<readonly RunState[] | undefined>;
  now(): Date;
  onDeleted?(): void;
}

export interface SweepSummary {
  listed: number;
  expired: number;
  deleted: number;
  kept: number;
  failed: number;
  /** Set when the sweep stopped before deciding (nothing was deleted). */
  skipped?: 'edge_unavailable';
}

type Final = Pick<SweepDecision, 'name' | 'runId' | 'expiresAt' | 'leaseSource'> & { action: 'delete' | 'keep' | 'failed'; reason: string };

const QUIET: ReadonlySet<string> = new Set(['not_managed', 'not_expired', 'terminating']);

/** Same object, still ours, still expired: the plan's premises hold at delete time. */
function stillDeletable(listed: NamespaceSnapshot, current: NamespaceSnapshot | undefined, options: SweeperOptions): boolean {
  return (
    current !== undefined &&
    current.uid === listed.uid &&
    current.resourceVersion === listed.resourceVersion &&
    current.deletionTimestamp === null &&
    isManagedRunNamespace(current, options.installation, options.prefix)
  );
}

async function deleteOne(decision: SweepDecision, listed: NamespaceSnapshot, options: SweeperOptions): Promise<Final> {
  try {
    const current = await options.gateway.readNamespace(decision.name);
    if (!stillDeletable(listed, current, options)) {
      return { ...decision, action: 'keep', reason: current ? 'changed_since_list' : 'already_deleted' };
    }
    const result = await options.gateway.deleteNamespace(decision.name, { uid: listed.uid, resourceVersion: listed.resourceVersion });
    if (result === 'done') {
      options.onDeleted?.();
      return { ...decision, action: 'delete', reason: 'ttl_expired' };
    }
    return { ...decision, action: 'keep', reason: result === 'conflict' ? 'changed_since_list' : 'already_deleted' };
  } catch (error) {
    options.log.warn('deleting an expired namespace failed', { namespace: decision.name, error });
    return { ...decision, action: 'failed', reason: 'delete_failed' };
  }
}

function logDecision(options: SweeperOptions, d: Final, listed: NamespaceSnapshot | undefined, runStatus: string | undefined): void {
  const fields = {
    name: d.name,
    action: d.action,
    reason: d.reason,
    run_id: d.runId,
    run_status: runStatus,
    lease_source: d.leaseSource,
    expires_at: d.expiresAt,
    lease_ttl: listed?.annotations[LEASE_TTL_ANNOTATION],
    cleanup_command: options.command,
  };
  const level = d.action === 'failed' ? 'warn' : d.action === 'keep' && QUIET.has(d.reason) ? 'debug' : 'info';
  options.log[level]('namespace sweep decision', fields);
}

export function createNamespaceSweeper(options: SweeperOptions): { sweep(): Promise<SweepSummary> } {
  const plan = (namespaces: NamespaceSnapshot[], busy: ReadonlySet<string>, activeRunIds: ReadonlySet<string>) =>
    planNamespaceSweep({
      namespaces,
      busyNamespaces: busy,
      activeRunIds,
      now: options.now(),
      installation: options.installation,
      prefix: options.prefix,
      fallbackTtlSeconds: options.fallbackTtlSeconds,
      limit: options.limit,
    });

  async function sweep(): Promise<SweepSummary> {
    const namespaces = await options.gateway.listNamespaces(SWEEP_SELECTOR);
    // The busy check comes last in the plan: it can only keep a namespace that would otherwise go.
    // When none would, the plan is the same without it, so the list of every run Job and Pod in the
    // cluster (hundreds of full objects, every tick) is skipped.
    const unbusy = plan(namespaces, new Set(), new Set());
    const mayGo = unbusy.some((d) => d.action === 'delete' || d.reason === 'sweep_limit');
    const busy = mayGo ? await options.gateway.listBusyNamespaces() : new Set<string>();
    const draft = mayGo ? plan(namespaces, busy, new Set()) : unbusy;
    const byName = new Map(namespaces.map((ns) => [ns.name, ns]));
    const candidates = draft.filter((d) => d.action === 'delete' || d.reason === 'sweep_limit').flatMap((d) => (d.runId ? [d.runId] : []));
    const summary: SweepSummary = { listed: namespaces.length, expired: 0, deleted: 0, kept: 0, failed: 0 };
    let states: readonly RunState[] = [];
    if (candidates.length > 0) {
      const answer = await options.queryRuns([...new Set(candidates)]);
      if (answer === undefined) {
        options.log.warn('namespace sweep skipped: the edge cannot say which runs are active', { candidates: candidates.length, cleanup_command: options.command });
        return { ...summary, skipped: 'edge_unavailable' };
      }
      states = answer;
    }
    const known = new Map(states.map((state) => [state.runId, state]));
    // A run the edge did not answer for counts as active: only a clear "inactive" deletes.
    const active = new Set(candidates.filter((runId) => known.get(runId)?.active !== false));
    for (const decision of plan(namespaces, busy, active)) {
      const listed = byName.get(decision.name);
      const final = decision.action === 'delete' && listed ? await deleteOne(decision, listed, options) : { ...decision };
      summary.expired += QUIET.has(final.reason) ? 0 : 1;
      summary.deleted += final.action === 'delete' ? 1 : 0;
      summary.kept += final.action === 'keep' ? 1 : 0;
      summary.failed += final.action === 'failed' ? 1 : 0;
      logDecision(options, final, listed, decision.runId ? known.get(decision.runId)?.status : undefined);
    }
    return summary;
  }

  return { sweep };
}
