/**
 * Everything a claimed run needs before its Job (docs/domain.md §5.2–§5.4, §5.7),
 * idempotent so a resumed or taken-over run converges instead of failing:
 *
 *   policy re-check ─► where does the run live?
 *     a Job of this attempt exists (takeover, restart) ─► its namespace
 *     a `*_revise` run with an issue ─► the issue's live namespace, if any (lease extended)
 *     otherwise ─► the run's own namespace
 *   ─► namespace (create, or merge labels + a fresh lease into one of ours; never someone else's)
 *   ─► ServiceAccount, Role, RoleBinding of the run's profile, ResourceQuota, LimitRange, NetworkPolicy
 *   ─► run Secret (run token, model key)
 */
import {
  err,
  isManagedRunNamespace,
  isReviseKind,
  LEASE_EXPIRES_ANNOTATION,
  MANAGED_BY,
  ok,
  runNamespaceTtlSeconds,
  type NamespaceTtlConfig,
  type Result,
} from '@stageline/policy';
import type { ClaimedRun } from '@stageline/protocol';
import type { EgressRule, LimitRangeDefaults } from '../config-json.ts';
import type { KubeGateway, NamespaceSnapshot } from '../kube/kube-gateway.ts';
import { buildRunNamespace, buildRunSecret, LABEL_KEYS, toLabelValue } from '../kube/manifests.ts';
import { buildNamespaceObjects } from '../kube/namespace-manifests.ts';
import { rbacProfileOf, runAccessOf } from '../kube/runtime-profile.ts';
import { checkClaimedRun } from './check-claimed-run.ts';

export interface MaterializeSettings {
  installation: string;
  namespacePrefix: string;
  /** The Helm config's lease TTL; a claim's project TTL (`namespaceTtlSeconds`) beats it. */
  namespaceTtl: NamespaceTtlConfig;
  quotaPods: number;
  limitRange: LimitRangeDefaults;
  egress: EgressRule;
  modelApiKey: string | undefined;
}

export type MaterializeFailure = { code: 'policy_rejected' | 'namespace_not_managed' | 'namespace_terminating' | 'job_not_found'; message: string };

export interface Materialized {
  namespace: string;
  jobName: string;
  /** How the namespace was chosen (logged). */
  placement: 'existing_job' | 'candidate_reuse' | 'revise_reuse' | 'run_namespace';
  ttlSeconds: number;
}

/** The issue's namespace a `*_revise` run continues in (§5.7 rule 5): ours, live, latest lease. */
export function pickReusableNamespace(candidates: readonly NamespaceSnapshot[], settings: MaterializeSettings, now: Date): NamespaceSnapshot | undefined {
  const expiry = (ns: NamespaceSnapshot): number => Date.parse(ns.annotations[LEASE_EXPIRES_ANNOTATION] ?? '');
  return candidates
    .filter((ns) => isManagedRunNamespace(ns, settings.installation, settings.namespacePrefix) && ns.deletionTimestamp === null && expiry(ns) > now.getTime())
    .sort((a, b) => expiry(b) - expiry(a))[0];
}

function reuseSelector(run: ClaimedRun, installation: string, issueNumber: number): string {
  return [
    `${LABEL_KEYS.managedBy}=${MANAGED_BY}`,
    `${LABEL_KEYS.installation}=${installation}`,
    `${LABEL_KEYS.namespacePurpose}=run`,
    `${LABEL_KEYS.projectId}=${toLabelValue(run.projectId)}`,
    `${LABEL_KEYS.issueNumber}=${issueNumber}`,
    `${LABEL_KEYS.agentKey}=${toLabelValue(run.agentKey)}`,
  ].join(',');
}

/** The issue's run namespaces of this installation, whatever agent ran in them. */
function candidateSelector(run: ClaimedRun, installation: string, issueNumber: number): string {
  return [
    `${LABEL_KEYS.managedBy}=${MANAGED_BY}`,
    `${LABEL_KEYS.installation}=${installation}`,
    `${LABEL_KEYS.namespacePurpose}=run`,
    `${LABEL_KEYS.projectId}=${toLabelValue(run.projectId)}`,
    `${LABEL_KEYS.issueNumber}=${issueNumber}`,
  ].join(',');
}

async function chooseNamespace(run: ClaimedRun, own: { namespace: string; jobName: string }, gateway: KubeGateway, settings: MaterializeSettings, now: Date) {
  const existing = (await gateway.findRunJobs(run.runId)).find((job) => job.name === own.jobName);
  if (existing) {
    return { namespace: existing.namespace, placement: 'existing_job' as const };
  }
  const candidate = run.launch?.namespace ?? null;
  if (candidate !== null && run.issueNumber !== null) {
    // The edge named the issue's candidate from its run history (qa, release, revise:
    // docs/domain.md §2.9); it must still be ours, live and leased in the cluster.
    const found = (await gateway.listNamespaces(candidateSelector(run, settings.installation, run.issueNumber))).filter((ns) => ns.name === candidate);
    const reusable = pickReusableNamespace(found, settings, now);
    if (reusable) {
      return { namespace: reusable.name, placement: 'candidate_reuse' as const };
    }
  }
  if (isReviseKind(run.triggerKind) && run.issueNumber !== null) {
    const candidates = await gateway.listNamespaces(reuseSelector(run, settings.installation, run.issueNumber));
    const reusable = pickReusableNamespace(candidates, settings, now);
    if (reusable) {
      return { namespace: reusable.name, placement: 'revise_reuse' as const };
    }
  }
  return { namespace: own.namespace, placement: 'run_namespace' as const };
}

/** Throws (with a cause) on API failures; expected refusals are the Result's error. */
export async function materializeRun(run: ClaimedRun, gateway: KubeGateway, settings: MaterializeSettings, now: Date): Promise<Result<Materialized, MaterializeFailure>> {
  const own = checkClaimedRun(run, settings.namespacePrefix);
  if (!own.ok) {
    return err({ code: 'policy_rejected', message: own.error });
  }
  const { namespace, placement } = await chooseNamespace(run, own.value, gateway, settings, now);
  if (run.jobName !== null && placement !== 'existing_job') {
    // The edge saw this attempt's Job start, and it is gone (finished and collected,
    // or deleted): starting it again would run the coding agent twice (docs/domain.md §3.3).
    return err({ code: 'job_not_found', message: `Job ${run.jobName} of this attempt no longer exists` });
  }
  // The project's TTL from the claim, else Helm's (§5.7 rule 2); a reused namespace is extended by the same rule.
  const ttlSeconds = runNamespaceTtlSeconds(run.agentKey, run.namespaceTtlSeconds, settings.namespaceTtl);
  const ns = await gateway.ensureNamespace(buildRunNamespace({ run, namespace, installation: settings.installation, now, ttlSeconds }));
  if (!ns.ok) {
    return ns.error.kind === 'not_managed'
      ? err({ code: 'namespace_not_managed', message: `namespace ${namespace} exists and is not managed by installation ${settings.installation}` })
      : err({ code: 'namespace_terminating', message: `namespace ${namespace} is terminating` });
  }
  const objects = buildNamespaceObjects({
    namespace,
    installation: settings.installation,
    profile: rbacProfileOf(runAccessOf(run).accessProfile),
    quotaPods: settings.quotaPods,
    limitRange: settings.limitRange,
    egress: settings.egress,
  });
  for (const object of objects) {
    await gateway.applyObject(object);
  }
  await gateway.applyObject(buildRunSecret({ run, namespace, installation: settings.installation, modelApiKey: settings.modelApiKey }));
  return ok({ namespace, jobName: own.value.jobName, placement, ttlSeconds });
}
