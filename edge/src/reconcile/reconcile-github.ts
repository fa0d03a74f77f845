/**
 * The scheduled reconciler's use-cases ("never lose a delivery"):
 * 1. redeliver failed App webhook deliveries (plan-redeliveries.ts decides),
 *    each GUID a bounded number of times, remembered in `hook_redeliveries`;
 * 2. find open issues with a `run:*` label but no run (find-missing-runs.ts),
 *    record one `runtime.warning` flow event per issue and label, and
 *    re-evaluate the label as a synthetic `issues.labeled` delivery
 *    (synthetic-delivery.ts) through the ordinary ingest — unless a failed
 *    `issues.labeled` delivery of that repository may still be redelivered
 *    by GitHub (it would be a second delivery of the same label event with
 *    another id, hence a second run).
 * Ports are passed in (client, db, clock, log, reevaluate); scheduled.ts composes them.
 */
import { DEFAULT_LABEL_CATALOG, normalizeLabel, withLabelNames, type LabelCatalog } from '@stageline/policy';
import type { Db } from '../db/client.ts';
import { appendFlowEventOnce, claimRedelivery, pastRedeliveries, runsOfIssues, type BoundRepository } from '../db/reconcile-repo.ts';
import type { SyntheticDelivery } from '../domain/verified-delivery.ts';
import type { GitHubClient, Issue, RepoRef } from '../github/github-client.ts';
import type { Logger } from '../lib/log.ts';
import { findMissingRuns, type MissingRun } from './find-missing-runs.ts';
import { planRedeliveries, REDELIVERY_POLICY, type RedeliveryPolicy } from './plan-redeliveries.ts';
import { latestLabeledEvent, syntheticDeliveryId, syntheticLabeledPayload } from './synthetic-delivery.ts';

export interface ReconcileDeps {
  client: GitHubClient;
  db: Db;
  /** Epoch ms. */
  now: () => number;
  log: Logger;
  /** The catalog each project's label names apply over (default: the default catalog). */
  catalog?: LabelCatalog;
  /**
   * Apply a synthetic delivery like a received one (the repository's
   * WebhookInbox, then the post-commit notify); answers the outcome kind.
   * Absent: missing runs are only reported.
   */
  reevaluate?: (delivery: SyntheticDelivery) => Promise<string>;
}

/** Pages of 100 deliveries read per run (newest first): 500 covers a busy day's failures. */
export const DELIVERY_PAGES = 5;
/** Pages of 100 open issues read per repository. */
export const ISSUE_PAGES = 3;

export interface RedeliveryReport {
  listed: number;
  redelivered: string[];
  skipped: number;
  failed: string[];
  /** Repositories (GitHub ids) with a failed `issues.labeled` delivery GitHub may still redeliver; null when unknown. */
  labeledPending: ReadonlySet<number> | null;
  error?: string;
}

export async function redeliverFailedDeliveries(deps: ReconcileDeps, policy: RedeliveryPolicy = REDELIVERY_POLICY, pages = DELIVERY_PAGES): Promise<RedeliveryReport> {
  const listed = await deps.client.listAppHookDeliveries({ maxPages: pages, perPage: 100 });
  if (!listed.ok) {
    deps.log.warn('reconciler: cannot list hook deliveries', { error: listed.error.kind });
    return { listed: 0, redelivered: [], skipped: 0, failed: [], labeledPending: null, error: listed.error.kind };
  }
  const guids = [...new Set(listed.value.map((d) => d.guid))];
  const plan = planRedeliveries(listed.value, await pastRedeliveries(deps.db, guids), deps.now(), policy);
  const labeledPending = new Set(plan.pending.flatMap((d) => (d.event === 'issues' && d.action === 'labeled' && d.repository_id !== null ? [d.repository_id] : [])));
  const report: RedeliveryReport = { listed: listed.value.length, redelivered: [], skipped: plan.skipped.length, failed: [], labeledPending };
  for (const d of plan.redeliver) {
    const claimed = await claimRedelivery(deps.db, { guid: d.guid, deliveryId: d.id, event: d.event, action: d.action }, policy, new Date(deps.now()));
    if (!claimed) {
      report.skipped++;
      continue;
    }
    const res = await deps.client.redeliverAppHookDelivery(d.id);
    const fields = { deliveryId: d.guid, hookDeliveryId: d.id, event: d.event, action: d.action, status: d.status, statusCode: d.status_code };
    if (res.ok) {
      deps.log.info('reconciler: redelivery requested', fields);
      report.redelivered.push(d.guid);
    } else {
      // The attempt stays counted: the bound holds even when GitHub refuses.
      deps.log.warn('reconciler: redelivery refused', { ...fields, error: res.error.kind });
      report.failed.push(d.guid);
    }
  }
  return report;
}

export interface MissingRunReport {
  repositories: number;
  warnings: (MissingRun & { repository: string; recorded: boolean; reevaluation: string })[];
  errors: { repository: string; error: string }[];
}

/** Correlation id of the warning: one per repository, issue and label. */
export function missingRunCorrelationId(repositoryExternalId: number, m: MissingRun): string {
  return `missing-run:${repositoryExternalId}:${m.issueNumber}:${normalizeLabel(m.label)}`;
}

export interface MissingRunOptions {
  pages?: number;
  graceMs?: number;
  /** From redeliverFailedDeliveries: hold re-evaluation in these repositories (null: hold everywhere). */
  labeledPending?: ReadonlySet<number> | null;
}

export async function warnMissingRuns(deps: ReconcileDeps, repos: readonly BoundRepository[], options: MissingRunOptions = {}): Promise<MissingRunReport> {
  const base = deps.catalog ?? DEFAULT_LABEL_CATALOG;
  const report: MissingRunReport = { repositories: 0, warnings: [], errors: [] };
  for (const repo of repos) {
    // The project's names, as ingest reads them; under a broken configuration ingest starts nothing, so nothing is missing.
    const projectCatalog = withLabelNames(base, repo.labelNames);
    if (!projectCatalog.ok) {
      report.errors.push({ repository: repo.fullName, error: 'invalid_label_names' });
      continue;
    }
    const catalog = projectCatalog.value;
    const installation = await deps.client.getRepoInstallation(repo.owner, repo.name);
    if (!installation.ok) {
      report.errors.push({ repository: repo.fullName, error: installation.error.kind });
      continue;
    }
    const ref = { installationId: installation.value.id, repositoryId: repo.externalId, owner: repo.owner, repo: repo.name };
    const issues = await deps.client.listIssues(ref, { state: 'open' }, { maxPages: options.pages ?? ISSUE_PAGES });
    if (!issues.ok) {
      report.errors.push({ repository: repo.fullName, error: issues.error.kind });
      continue;
    }
    report.repositories++;
    const open = issues.value.map((i) => ({
      number: i.number,
      labels: i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
      isPullRequest: i.pull_request !== undefined,
      updatedAt: i.updated_at === undefined ? null : Date.parse(i.updated_at),
    }));
    const candidates = open.filter((i) => !i.isPullRequest).map((i) => i.number);
    const missing = findMissingRuns(open, await runsOfIssues(deps.db, repo.id, candidates), catalog, deps.now(), options.graceMs);
    const held = options.labeledPending === undefined ? false : options.labeledPending === null || options.labeledPending.has(repo.externalId);
    for (const m of missing) {
      const recorded = await recordMissingRun(deps, repo, m);
      const issue = issues.value.find((i) => i.number === m.issueNumber);
      const reevaluation = deps.reevaluate === undefined || issue === undefined ? 'not_configured' : held ? 'held_for_redelivery' : await reevaluate(deps, ref, repo, issue, m.label);
      report.warnings.push({ ...m, repository: repo.fullName, recorded, reevaluation });
    }
  }
  return report;
}

async function recordMissingRun(deps: ReconcileDeps, repo: BoundRepository, m: MissingRun): Promise<boolean> {
  const recorded = await appendFlowEventOnce(deps.db, {
    correlationId: missingRunCorrelationId(repo.externalId, m),
    actorType: 'system',
    actorId: 'edge',
    eventType: 'runtime.warning',
    payload: {
      source: 'reconciler.missing_run',
      level: 'warning',
      message: `issue #${m.issueNumber} carries ${m.label} but no run exists for it (was the issues.labeled delivery lost?)`,
      repository_full_name: repo.fullName,
      issue_number: m.issueNumber,
      label: m.label,
    },
  });
  if (recorded) {
    deps.log.warn('reconciler: trigger label without a run', { repository: repo.fullName, issueNumber: m.issueNumber, label: m.label });
  }
  return recorded;
}

/** Rebuild the lost delivery from the issue and its latest `labeled` event, and ingest it; answers what happened. */
async function reevaluate(deps: ReconcileDeps, ref: RepoRef, repo: BoundRepository, issue: Issue, label: string): Promise<string> {
  const events = await deps.client.listIssueEvents({ ...ref, number: issue.number });
  if (!events.ok) {
    return `events_unavailable:${events.error.kind}`;
  }
  const event = latestLabeledEvent(events.value, label);
  if (event === null || event.actor === null) {
    return 'no_labeled_event';
  }
  const repository = { id: repo.externalId, fullName: repo.fullName };
  const deliveryId = await syntheticDeliveryId({ repository, label, issueNumber: issue.number, labeledAt: event.created_at });
  const payload = syntheticLabeledPayload({ installationId: ref.installationId, repository, issue, label, event: { ...event, actor: event.actor } });
  try {
    const outcome = (await deps.reevaluate?.({ deliveryId, event: 'issues', payload, receivedAt: new Date(deps.now()) })) ?? 'not_configured';
    deps.log.info('reconciler: label re-evaluated', { deliveryId, repository: repo.fullName, issueNumber: issue.number, label, outcome });
    return outcome;
  } catch (error) {
    deps.log.warn('reconciler: re-evaluation failed', { deliveryId, repository: repo.fullName, issueNumber: issue.number, error });
    return 'failed';
  }
}
