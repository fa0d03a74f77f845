import {
  decideRun,
  DEFAULT_LABEL_CATALOG,
  resolveReviewStage,
  reviewRunIntent,
  routeDelivery,
  type LabelCatalog,
  type RepositoryPermission,
  type RunDecision,
  type RunIntent,
  withLabelNames,
} from '@stageline/policy';
import { applyInstallationBinding } from '../db/binding-repo.ts';
import type { Db } from '../db/client.ts';
import { activeDiscussionRunIds, activeRunIdsOfPullRequest, issueContext, memberRole, reviewHistory } from '../db/lineage-repo.ts';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import { activeRunIdsOfIssue, cancelRun } from '../db/run-repo.ts';
import { findRepository, storeDelivery, type DeliveryRecord, type KnownRepository, type NewRun } from '../db/webhook-repo.ts';
import type { RepositoryCache } from '../do/repository-cache.ts';
import { renderStatusComment } from '../github/status-comment.ts';
import type { EffectBatch, GitHubEffect, GitHubPort, RepositoryOnGitHub } from './github-port.ts';
import { buildRunPayload } from './run-payload.ts';
import { statusCommentEffect } from './status-effects.ts';
import { readWebhookFacts, toDeliveryFacts, type WebhookFacts } from './webhook-facts.ts';

export interface VerifiedDelivery {
  deliveryId: string;
  event: string;
  payload: unknown;
  receivedAt: Date;
}

/** A run a close (or a new stage label) canceled, as it was before (the agents are told about held ones). */
export interface CanceledRun {
  runId: string;
  previousStatus: string;
  epoch: number;
  jobName: string | null;
  namespace: string | null;
}
/** @deprecated name kept for callers of the skeleton. */
export type CanceledByClose = CanceledRun;

export type IngestOutcome =
  | {
      kind: 'accepted';
      runId: string;
      clusterId: string | null;
      events: RealtimeEvent[];
      reasons: string[];
      canceled: CanceledRun[];
      github: EffectBatch | null;
      /** Status comment edits of the discussion runs this run ended. */
      canceledGitHub: EffectBatch[];
    }
  | { kind: 'issue_closed'; projectId: string; clusterId: string | null; issueNumber: number; canceled: CanceledRun[]; events: RealtimeEvent[]; github: EffectBatch[] }
  /** Runs ended without a namespace cleanup (mode:discussion removed). */
  | { kind: 'runs_canceled'; clusterId: string | null; canceled: CanceledRun[]; events: RealtimeEvent[]; reason: string; github: EffectBatch[] }
  | { kind: 'duplicate' }
  | {
      kind: 'ignored';
      reason: string;
      reasons: string[];
      github: EffectBatch | null;
      /** The App was installed on these repositories: create the label taxonomy there (webhook-inbox-notify.ts). */
      labelBootstrap?: { installationId: number; repositories: readonly { id: number; fullName: string }[] };
      /** Repositories (external ids) whose binding changed: their inboxes forget the cached binding. */
      rebound?: number[];
    };

/**
 * A dependency the decision needs did not answer (GitHub for the sender's
 * permission). Nothing was stored: the caller keeps the delivery and applies
 * it again later, like a delivery that met an unreachable database.
 */
export class DependencyUnavailableError extends Error {
  readonly dependency: 'github';
  constructor(dependency: 'github', message: string) {
    super(message);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

export interface IngestOptions {
  catalog?: LabelCatalog;
  repositories?: RepositoryCache;
  /** Absent: no GitHub App is configured, so senders cannot be checked and triggers wait. */
  github?: GitHubPort;
  /** The App's bot login (`<slug>[bot]`): its comments are not discussion input. */
  botLogin?: string | null;
  defaults?: { model: string; reasoningEffort: string; productionNamespace: string | null; consoleUrl: string | null };
}

const DEFAULTS = { model: 'gpt-5.4', reasoningEffort: 'high', productionNamespace: null, consoleUrl: null };

const catalogs = new Map<string, ReturnType<typeof withLabelNames>>();

/** The project's catalog (its label names over the defaults), memoised by configuration. */
function catalogFor(base: LabelCatalog, names: Record<string, string>): ReturnType<typeof withLabelNames> {
  if (Object.keys(names).length === 0) {
    return { ok: true, value: base };
  }
  if (base !== DEFAULT_LABEL_CATALOG) {
    return withLabelNames(base, names);
  }
  const key = JSON.stringify(names);
  let found = catalogs.get(key);
  if (found === undefined) {
    found = withLabelNames(base, names);
    if (catalogs.size > 1000) {
      catalogs.clear();
    }
    catalogs.set(key, found);
  }
  return found;
}

async function lookupRepository(db: Db, externalId: number, cache: RepositoryCache | undefined): Promise<KnownRepository | null> {
  const cached = cache?.get(externalId, Date.now());
  if (cached !== undefined) {
    return cached;
  }
  const repo = await findRepository(db, externalId);
  cache?.set(externalId, repo, Date.now());
  return repo;
}

/**
 * The webhook use-case (domain.md §2.5–§2.9, §3.9): route the delivery with
 * the label policy, gather what the guards need (the sender's permission, the
 * issue's run history), decide, and persist delivery + run + audit + realtime
 * event atomically. GitHub writes (explanations, need:input, the eyes reaction,
 * the status comment) are returned for the caller to queue after the commit.
 */
export async function ingestWebhook(d: VerifiedDelivery, db: Db, opts: IngestOptions = {}): Promise<IngestOutcome> {
  const defaults = opts.defaults ?? DEFAULTS;
  const facts = readWebhookFacts(d.payload) ?? {};
  const repo = facts.repository ? await lookupRepository(db, facts.repository.id, opts.repositories) : null;
  const projectCatalog = catalogFor(opts.catalog ?? DEFAULT_LABEL_CATALOG, repo?.labelNames ?? {});
  const catalog = projectCatalog.ok ? projectCatalog.value : (opts.catalog ?? DEFAULT_LABEL_CATALOG);
  const route = routeDelivery(toDeliveryFacts(d.event, facts, { repositoryBound: repo !== null, botLogin: opts.botLogin ?? null }), catalog);
  const record: DeliveryRecord = {
    deliveryId: d.deliveryId,
    event: d.event,
    action: facts.action ?? null,
    repositoryExternalId: facts.repository?.id ?? null,
    payload: d.payload,
    receivedAt: d.receivedAt,
  };
  const onGitHub: RepositoryOnGitHub | null = facts.installation && facts.repository ? { installationId: facts.installation.id, repositoryId: facts.repository.id, fullName: facts.repository.full_name } : null;
  const ignore = async (reason: string, reasons: string[], effects: GitHubEffect[] = []): Promise<IngestOutcome> => {
    const outcome = await storeDelivery(db, record, { kind: 'ignore', reason, reasons });
    if (outcome.kind === 'duplicate') {
      return outcome;
    }
    return { kind: 'ignored', reason, reasons, github: onGitHub && effects.length > 0 ? { repo: onGitHub, effects } : null };
  };

  if (!projectCatalog.ok) {
    // A project whose label names do not form a catalog starts nothing until fixed (no guessing).
    return ignore('project_label_config_invalid', projectCatalog.error);
  }
  switch (route.kind) {
    case 'ignore':
      return ignore(route.reason, route.reasons);
    case 'refuse':
      return ignore(route.reason, route.reasons, refusalEffects(d.deliveryId, route, catalog));
    case 'close_issue':
      return repo === null ? ignore('repository_not_bound', route.reasons) : closeIssue(db, record, repo, route.issueNumber, route.reasons, defaults.consoleUrl);
    case 'end_discussion':
      return repo === null ? ignore('repository_not_bound', route.reasons) : endDiscussion(db, record, repo, route.issueNumber, catalog, route.reasons, defaults.consoleUrl);
    case 'close_pull_request':
      return repo === null ? ignore('repository_not_bound', route.reasons) : closePullRequest(db, record, repo, route.pullRequestNumber, route.reasons, defaults.consoleUrl);
    case 'bind_repositories': {
      const outcome = await ignore(route.kind, route.reasons);
      if (outcome.kind === 'ignored') {
        // New delivery: the project that claims this installation takes the added repositories.
        const binding = await applyInstallationBinding(db, { installationId: route.installationId, added: route.added, removed: route.removed, now: d.receivedAt });
        outcome.reasons = [...outcome.reasons, binding.projectId === null ? 'no project claims this installation' : `bound ${binding.bound.length}, unbound ${binding.unbound.length}`];
        outcome.rebound = [...binding.bound, ...binding.unbound];
      }
      // A new installation (or repositories added to one) gets the label taxonomy (§2.1 bootstrap).
      const installed = route.kind === 'bind_repositories' && route.added.length > 0 && ((d.event === 'installation' && record.action === 'created') || (d.event === 'installation_repositories' && record.action === 'added'));
      return outcome.kind === 'ignored' && installed ? { ...outcome, labelBootstrap: { installationId: route.installationId, repositories: route.added } } : outcome;
    }
    case 'review_revise':
    case 'run':
      break;
  }
  if (repo === null) {
    return ignore('repository_not_bound', route.reasons);
  }
  let intent: RunIntent;
  if (route.kind === 'review_revise') {
    const history = await reviewHistory(db, { repositoryId: repo.id, pullRequestNumber: route.pullRequestNumber, prLabels: route.prLabels });
    const resolved = resolveReviewStage(history, catalog);
    if (!resolved.ok) {
      const thread = { kind: 'pull_request' as const, number: route.pullRequestNumber };
      return ignore(resolved.reason, [...route.reasons, resolved.reason], refusalEffects(d.deliveryId, { message: resolved.message, needInput: true, thread }, catalog));
    }
    intent = reviewRunIntent(resolved, route, history.issueLabels ?? []);
  } else {
    intent = route.intent;
  }
  const decision = await decide(intent, facts, repo, db, opts, catalog, defaults, onGitHub);
  switch (decision.kind) {
    case 'retry':
    case 'need_permission':
      throw new DependencyUnavailableError('github', `sender permission unavailable (${decision.kind})`);
    case 'skip':
      return ignore(decision.reason, decision.reasons);
    case 'refuse':
      return ignore(decision.reason, decision.reasons, refusalEffects(d.deliveryId, decision, catalog));
    case 'create_run':
      return createRun(d, facts, db, record, repo, decision, catalog, defaults, onGitHub);
  }
}

async function decide(
  intent: RunIntent,
  facts: WebhookFacts,
  repo: KnownRepository,
  db: Db,
  opts: IngestOptions,
  catalog: LabelCatalog,
  defaults: NonNullable<IngestOptions['defaults']>,
  onGitHub: RepositoryOnGitHub | null,
): Promise<RunDecision> {
  const login = facts.sender?.login ?? '';
  // The issue's history and the sender's project role in one round trip (a PR-only run has no issue).
  const context =
    intent.issueNumber === null
      ? { lineage: { hasPriorRun: false, candidateNamespace: null, candidateBuildRef: null }, activeDiscussion: false, lastRunLabels: [], projectRole: await memberRole(db, { projectId: repo.projectId, login }) }
      : await issueContext(db, { repositoryId: repo.id, issueNumber: intent.issueNumber, discussionLabel: catalog.discussion.label, member: { projectId: repo.projectId, login } });
  const base = {
    ...context,
    defaults: { model: defaults.model, reasoningEffort: defaults.reasoningEffort, productionNamespace: defaults.productionNamespace, defaultRef: facts.repository?.default_branch ?? 'main' },
  };
  // A project member with a writing role needs no repository permission: GitHub is asked only if needed.
  const actor = { senderType: facts.sender?.type ?? null, senderLogin: facts.sender?.login ?? null, projectRole: context.projectRole };
  const first = decideRun(intent, { ...base, actor: { ...actor, permission: null } }, catalog);
  if (first.kind !== 'need_permission') {
    return first;
  }
  const permission: RepositoryPermission = opts.github && onGitHub ? await opts.github.permission(onGitHub, first.login) : 'unavailable';
  return decideRun(intent, { ...base, actor: { ...actor, permission } }, catalog);
}

async function createRun(
  d: VerifiedDelivery,
  facts: WebhookFacts,
  db: Db,
  record: DeliveryRecord,
  repo: KnownRepository,
  decision: Extract<RunDecision, { kind: 'create_run' }>,
  catalog: LabelCatalog,
  defaults: NonNullable<IngestOptions['defaults']>,
  onGitHub: RepositoryOnGitHub | null,
): Promise<IngestOutcome> {
  const { intent } = decision;
  const run: NewRun = {
    projectId: repo.projectId,
    repositoryId: repo.id,
    clusterId: repo.clusterId,
    repositoryFullName: repo.fullName,
    issueNumber: intent.issueNumber,
    issueUrl: facts.issue?.html_url ?? facts.pull_request?.html_url ?? null,
    agentKey: intent.agentKey,
    triggerKind: intent.trigger.triggerKind,
    triggerLabel: intent.label,
    runPayload: buildRunPayload(d, facts, decision),
  };
  // A stage label ends the issue's discussion first (§2.5); its runs are canceled before the new run exists.
  const canceled: Canceled =
    intent.cancelDiscussion && intent.issueNumber !== null ? await cancelDiscussionRuns(db, repo, intent.issueNumber, catalog, d.receivedAt, defaults.consoleUrl) : { canceled: [], events: [], github: [] };
  const outcome = await storeDelivery(db, record, { kind: 'create', run, reasons: decision.reasons });
  if (outcome.kind !== 'accepted') {
    return { kind: 'duplicate' };
  }
  const status = renderStatusComment({
    runId: outcome.run.id,
    phase: 'queued',
    triggerLabel: intent.label,
    agentKey: intent.agentKey,
    model: decision.profile.model,
    reasoningEffort: decision.profile.reasoningEffort,
    runtimeMode: decision.runtime.mode,
    reason: null,
    consoleUrl: defaults.consoleUrl === null ? null : `${defaults.consoleUrl}/runs/${outcome.run.id}`,
  });
  const effects: GitHubEffect[] = [
    { kind: 'reaction', key: `eyes:${d.deliveryId}`, thread: intent.thread, content: 'eyes' },
    { kind: 'status_comment', key: `status-comment:${outcome.run.id}`, runId: outcome.run.id, thread: intent.thread, body: status },
  ];
  return {
    kind: 'accepted',
    runId: outcome.run.id,
    clusterId: outcome.run.clusterId,
    events: [...canceled.events, ...outcome.events],
    reasons: decision.reasons,
    canceled: canceled.canceled,
    github: onGitHub ? { repo: onGitHub, effects } : null,
    canceledGitHub: canceled.github,
  };
}

/** A refusal explains itself on the thread, and asks for a decision with need:input where the policy says so. */
function refusalEffects(deliveryId: string, refusal: { message: string; needInput: boolean; thread: RunIntent['thread'] }, catalog: LabelCatalog): GitHubEffect[] {
  const effects: GitHubEffect[] = [{ kind: 'comment', key: `refusal:${deliveryId}`, thread: refusal.thread, body: `:warning: ${refusal.message}` }];
  if (refusal.needInput) {
    effects.unshift({ kind: 'add_labels', key: `need-input:${deliveryId}`, thread: refusal.thread, labels: [catalog.needInput.label] });
  }
  return effects;
}

interface Canceled {
  canceled: CanceledRun[];
  events: RealtimeEvent[];
  /** The canceled runs' status comments, edited to say so. */
  github: EffectBatch[];
}

async function cancelRuns(db: Db, runIds: readonly string[], reason: string, now: Date, consoleUrl: string | null): Promise<Canceled> {
  const out: Canceled = { canceled: [], events: [], github: [] };
  for (const runId of runIds) {
    const result = await cancelRun(db, { runId, reason, actorId: 'github-webhook', now });
    if (result.kind === 'done' && result.changed) {
      const { previous } = result;
      out.canceled.push({ runId, previousStatus: previous.status, epoch: previous.leaseEpoch, jobName: previous.jobName, namespace: previous.jobNamespace });
      out.events.push(...result.events);
      const status = statusCommentEffect(result.current, consoleUrl);
      if (status !== null) {
        out.github.push(status);
      }
    }
  }
  return out;
}

function cancelDiscussionRuns(db: Db, repo: KnownRepository, issueNumber: number, catalog: LabelCatalog, now: Date, consoleUrl: string | null): Promise<Canceled> {
  return activeDiscussionRunIds(db, { repositoryId: repo.id, issueNumber, discussionLabel: catalog.discussion.label }).then((ids) => cancelRuns(db, ids, 'discussion_ended', now, consoleUrl));
}

async function endDiscussion(db: Db, record: DeliveryRecord, repo: KnownRepository, issueNumber: number, catalog: LabelCatalog, reasons: string[], consoleUrl: string | null): Promise<IngestOutcome> {
  const stored = await storeDelivery(db, record, { kind: 'record', reason: 'discussion_ended', reasons });
  if (stored.kind === 'duplicate') {
    return { kind: 'duplicate' };
  }
  const done = await cancelDiscussionRuns(db, repo, issueNumber, catalog, record.receivedAt, consoleUrl);
  return { kind: 'runs_canceled', clusterId: repo.clusterId, ...done, reason: 'discussion_ended' };
}

/**
 * A pull request was closed, merged or not (domain.md §2.5): the runs working
 * on it (reviewers, review-driven revisions) are canceled; their namespaces
 * expire by their lease.
 */
async function closePullRequest(db: Db, record: DeliveryRecord, repo: KnownRepository, pullRequestNumber: number, reasons: string[], consoleUrl: string | null): Promise<IngestOutcome> {
  const stored = await storeDelivery(db, record, { kind: 'record', reason: 'pull_request_closed', reasons });
  if (stored.kind === 'duplicate') {
    return { kind: 'duplicate' };
  }
  const done = await cancelRuns(db, await activeRunIdsOfPullRequest(db, { repositoryId: repo.id, pullRequestNumber }), 'pull_request_closed', record.receivedAt, consoleUrl);
  return { kind: 'runs_canceled', clusterId: repo.clusterId, ...done, reason: 'pull_request_closed' };
}

/**
 * An issue was closed (domain.md §2.5, §5.8): record the delivery, cancel the
 * issue's active runs, and let the caller ask the cluster to delete the
 * issue's namespaces. A redelivery of the same close changes nothing.
 */
async function closeIssue(db: Db, record: DeliveryRecord, repo: KnownRepository, issueNumber: number, reasons: string[], consoleUrl: string | null): Promise<IngestOutcome> {
  const stored = await storeDelivery(db, record, { kind: 'record', reason: 'issue_closed', reasons });
  if (stored.kind === 'duplicate') {
    return { kind: 'duplicate' };
  }
  const done = await cancelRuns(db, await activeRunIdsOfIssue(db, repo.id, issueNumber), 'issue_closed', record.receivedAt, consoleUrl);
  return { kind: 'issue_closed', projectId: repo.projectId, clusterId: repo.clusterId, issueNumber, ...done };
}
