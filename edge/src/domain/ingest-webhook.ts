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
import type { Db, DbOrTx } from '../db/client.ts';
import { activeDiscussionRunIds, activeRunIdsOfPullRequest, issueContext, memberRole, reviewHistory } from '../db/lineage-repo.ts';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import type { RepositoryCache } from '../db/repository-cache.ts';
import { activeRunIdsOfIssue, cancelRunIn } from '../db/run-repo.ts';
import { findRepository, storeDelivery, type DeliveryRecord, type KnownRepository, type NewRun, type StoreDecision } from '../db/webhook-repo.ts';
import { renderStatusComment } from '../github/status-comment.ts';
import { cancelFrames, githubEffects, realtimeEffects, telegramEffects, type CanceledRun, type Effect } from './effects.ts';
import type { EffectBatch, GitHubEffect, GitHubPort, RepositoryOnGitHub } from './github-port.ts';
import { buildRunPayload } from './run-payload.ts';
import { statusCommentEffect } from './status-effects.ts';
import type { VerifiedDelivery } from './verified-delivery.ts';
import { readWebhookFacts, toDeliveryFacts, type WebhookFacts } from './webhook-facts.ts';

export type { VerifiedDelivery } from './verified-delivery.ts';

/** Why runs were canceled without a new run (the route's answer names it). */
export type CancelAction = 'issue_closed' | 'pull_request_closed' | 'discussion_ended';

/**
 * What one delivery did. Everything that must happen after the commit is in
 * `effects` (domain/effects.ts); a duplicate did nothing and has none.
 */
export type IngestOutcome =
  | { kind: 'duplicate' }
  | { kind: 'accepted'; runId: string; clusterId: string | null; reasons: string[]; effects: Effect[] }
  | { kind: 'runs_canceled'; action: CancelAction; canceled: string[]; effects: Effect[] }
  | { kind: 'ignored'; reason: string; reasons: string[]; effects: Effect[] };

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
 * The webhook use-case (docs/domain.md §2.5–§2.9, §3.9): route the delivery
 * with the label policy, gather what the guards need (the sender's
 * permission, the issue's run history), decide, then persist.
 *
 * Dedupe first: the delivery row is the first write, and every other write
 * (the run, each cancel it implies, their flow and realtime events) commits
 * in the same transaction or not at all. A redelivery finds the row and does
 * nothing, not even a cancel; a failed apply leaves no trace, so its retry
 * does all of it exactly once. What must happen after the commit is returned
 * as effects.
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
    payloadText: d.payloadText,
    receivedAt: d.receivedAt,
  };
  const onGitHub: RepositoryOnGitHub | null = facts.installation && facts.repository ? { installationId: facts.installation.id, repositoryId: facts.repository.id, fullName: facts.repository.full_name } : null;
  const ignore = async (reason: string, reasons: string[], writes: GitHubEffect[] = [], extra: Effect[] = []): Promise<IngestOutcome> => {
    const outcome = await storeDelivery(db, record, { kind: 'ignore', reason, reasons });
    if (outcome.kind === 'duplicate') {
      return outcome;
    }
    return { kind: 'ignored', reason, reasons, effects: [...githubEffects([onGitHub && writes.length > 0 ? { repo: onGitHub, effects: writes } : null]), ...extra] };
  };
  const cancelFor = (action: CancelAction, reasons: string[], runIds: (tx: DbOrTx, repo: KnownRepository) => Promise<string[]>, closedIssue: number | null = null) =>
    repo === null ? ignore('repository_not_bound', reasons) : cancelRunsOf(db, record, repo, { action, reasons, closedIssue, consoleUrl: defaults.consoleUrl }, (tx) => runIds(tx, repo));

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
      return cancelFor('issue_closed', route.reasons, (tx, r) => activeRunIdsOfIssue(tx, r.id, route.issueNumber), route.issueNumber);
    case 'end_discussion':
      return cancelFor('discussion_ended', route.reasons, (tx, r) => activeDiscussionRunIds(tx, { repositoryId: r.id, issueNumber: route.issueNumber, discussionLabel: catalog.discussion.label }));
    case 'close_pull_request':
      return cancelFor('pull_request_closed', route.reasons, (tx, r) => activeRunIdsOfPullRequest(tx, { repositoryId: r.id, pullRequestNumber: route.pullRequestNumber }));
    case 'bind_repositories':
      return bindRepositories(db, record, route, d.event);
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
  const { decision, activeDiscussion } = await decide(intent, facts, repo, db, opts, catalog, defaults, onGitHub);
  switch (decision.kind) {
    case 'retry':
    case 'need_permission':
      throw new DependencyUnavailableError('github', `sender permission unavailable (${decision.kind})`);
    case 'skip':
      return ignore(decision.reason, decision.reasons);
    case 'refuse':
      return ignore(decision.reason, decision.reasons, refusalEffects(d.deliveryId, decision, catalog));
    case 'create_run':
      return createRun(d, facts, db, record, repo, decision, catalog, defaults, onGitHub, activeDiscussion);
  }
}

/** Installation events: the project that claims the installation takes (or drops) the repositories. */
async function bindRepositories(db: Db, record: DeliveryRecord, route: Extract<ReturnType<typeof routeDelivery>, { kind: 'bind_repositories' }>, event: string): Promise<IngestOutcome> {
  const stored = await db.transaction(async (tx) => {
    const outcome = await storeDelivery(tx, record, { kind: 'ignore', reason: route.kind, reasons: route.reasons });
    if (outcome.kind === 'duplicate') {
      return null;
    }
    return applyInstallationBinding(tx, { installationId: route.installationId, added: route.added, removed: route.removed, now: record.receivedAt });
  });
  if (stored === null) {
    return { kind: 'duplicate' };
  }
  const effects: Effect[] = [...stored.bound, ...stored.unbound].map((repositoryExternalId) => ({ kind: 'forget_repository', repositoryExternalId }));
  // A new installation (or repositories added to one) gets the label taxonomy (§2.1 bootstrap).
  const installed = route.added.length > 0 && ((event === 'installation' && record.action === 'created') || (event === 'installation_repositories' && record.action === 'added'));
  if (installed) {
    effects.push({ kind: 'bootstrap_labels', installationId: route.installationId, repositories: route.added, labelNames: stored.labelNames });
  }
  const reasons = [...route.reasons, stored.projectId === null ? 'no project claims this installation' : `bound ${stored.bound.length}, unbound ${stored.unbound.length}`];
  return { kind: 'ignored', reason: route.kind, reasons, effects };
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
): Promise<{ decision: RunDecision; activeDiscussion: boolean }> {
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
    return { decision: first, activeDiscussion: context.activeDiscussion };
  }
  if (opts.github !== undefined && onGitHub === null) {
    // No installation in the payload: no one can ever be asked, so waiting would hold the repository's inbox forever.
    return { decision: { kind: 'skip', reason: 'installation_missing', reasons: ['the delivery names no App installation, so the sender cannot be checked'] }, activeDiscussion: context.activeDiscussion };
  }
  const permission: RepositoryPermission = opts.github && onGitHub ? await opts.github.permission(onGitHub, first.login) : 'unavailable';
  return { decision: decideRun(intent, { ...base, actor: { ...actor, permission } }, catalog), activeDiscussion: context.activeDiscussion };
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
  activeDiscussion: boolean,
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
  const create: StoreDecision = { kind: 'create', run, reasons: decision.reasons };
  const { issueNumber } = intent;
  // A stage label ends the issue's discussion (§2.5), in the same transaction as
  // the new run. Deliveries of a repository are applied one at a time
  // (do/webhook-inbox.ts), so "no discussion is active" read before holds here;
  // without one, the common path stays a single statement.
  const persisted =
    intent.cancelDiscussion && issueNumber !== null && activeDiscussion
      ? await persistWithCancels(db, record, create, 'discussion_ended', (tx) => activeDiscussionRunIds(tx, { repositoryId: repo.id, issueNumber, discussionLabel: catalog.discussion.label }), defaults.consoleUrl)
      : await storeDelivery(db, record, create).then((stored) => (stored.kind === 'duplicate' ? null : { stored, canceled: NO_CANCELS }));
  if (persisted === null || persisted.stored.kind !== 'accepted') {
    return { kind: 'duplicate' };
  }
  const { stored, canceled } = persisted;
  const status = renderStatusComment({
    runId: stored.run.id,
    phase: 'queued',
    triggerLabel: intent.label,
    agentKey: intent.agentKey,
    model: decision.profile.model,
    reasoningEffort: decision.profile.reasoningEffort,
    runtimeMode: decision.runtime.mode,
    reason: null,
    consoleUrl: defaults.consoleUrl === null ? null : `${defaults.consoleUrl}/runs/${stored.run.id}`,
  });
  const writes: GitHubEffect[] = [
    { kind: 'reaction', key: `eyes:${d.deliveryId}`, thread: intent.thread, content: 'eyes' },
    { kind: 'status_comment', key: `status-comment:${stored.run.id}`, runId: stored.run.id, thread: intent.thread, body: status },
  ];
  const clusterId = stored.run.clusterId;
  const effects: Effect[] = [
    ...realtimeEffects([...canceled.events, ...stored.events]),
    ...cancelFrames(clusterId, canceled.canceled, 'discussion_ended'),
    ...(clusterId === null ? [] : [{ kind: 'announce_runs' as const, clusterId, runIds: [stored.run.id] }]),
    ...githubEffects([onGitHub && { repo: onGitHub, effects: writes }, ...canceled.github]),
    ...telegramEffects(canceled.telegramCalls),
  ];
  return { kind: 'accepted', runId: stored.run.id, clusterId, reasons: decision.reasons, effects };
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
  /** Telegram edits of the requests the canceled runs withdrew. */
  telegramCalls: string[];
}

const NO_CANCELS: Canceled = { canceled: [], events: [], github: [], telegramCalls: [] };

/**
 * Store the delivery, then cancel the runs `findRunIds` names — one
 * transaction. The delivery insert comes first: a duplicate stops here and
 * changes nothing.
 */
async function persistWithCancels(
  db: Db,
  record: DeliveryRecord,
  decision: StoreDecision,
  reason: CancelAction,
  findRunIds: (tx: DbOrTx) => Promise<string[]>,
  consoleUrl: string | null,
): Promise<{ stored: Awaited<ReturnType<typeof storeDelivery>>; canceled: Canceled } | null> {
  return db.transaction(async (tx) => {
    const stored = await storeDelivery(tx, record, decision);
    if (stored.kind === 'duplicate') {
      return null;
    }
    const canceled: Canceled = { canceled: [], events: [], github: [], telegramCalls: [] };
    for (const runId of await findRunIds(tx)) {
      const result = await cancelRunIn(tx, { runId, reason, actorId: 'github-webhook', now: record.receivedAt });
      if (result.kind === 'done' && result.changed) {
        const { previous } = result;
        canceled.canceled.push({ runId, previousStatus: previous.status, epoch: previous.leaseEpoch, jobName: previous.jobName, namespace: previous.jobNamespace });
        canceled.events.push(...result.events);
        canceled.telegramCalls.push(...result.telegramCalls);
        const status = statusCommentEffect(result.current, consoleUrl);
        if (status !== null) {
          canceled.github.push(status);
        }
      }
    }
    return { stored, canceled };
  });
}

/**
 * A close (issue, pull request) or the end of a discussion: record the
 * delivery and cancel the runs it ends, atomically (docs/domain.md §2.5,
 * §5.8). An issue close also asks the cluster to delete the issue's
 * namespaces; a pull request's or a discussion's runs keep theirs until
 * their TTL.
 */
async function cancelRunsOf(
  db: Db,
  record: DeliveryRecord,
  repo: KnownRepository,
  how: { action: CancelAction; reasons: string[]; closedIssue: number | null; consoleUrl: string | null },
  findRunIds: (tx: DbOrTx) => Promise<string[]>,
): Promise<IngestOutcome> {
  const { action } = how;
  const persisted = await persistWithCancels(db, record, { kind: 'record', reason: action, reasons: how.reasons }, action, findRunIds, how.consoleUrl);
  if (persisted === null) {
    return { kind: 'duplicate' };
  }
  const { canceled } = persisted;
  const effects: Effect[] = [...realtimeEffects(canceled.events), ...cancelFrames(repo.clusterId, canceled.canceled, action), ...githubEffects(canceled.github), ...telegramEffects(canceled.telegramCalls)];
  if (how.closedIssue !== null && repo.clusterId !== null) {
    effects.push({ kind: 'agent_broadcast', clusterId: repo.clusterId, frame: { type: 'issue.cleanup', projectId: repo.projectId, issueNumber: how.closedIssue, reason: 'issue_closed' } });
  }
  return { kind: 'runs_canceled', action, canceled: canceled.canceled.map((r) => r.runId), effects };
}
