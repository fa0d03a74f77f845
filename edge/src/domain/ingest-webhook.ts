import { DEFAULT_LABEL_CATALOG, evaluateTrigger, type LabelCatalog } from '@stageline/policy';
import type { Db } from '../db/client.ts';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import { activeRunIdsOfIssue, cancelRun } from '../db/run-repo.ts';
import { findRepository, storeDelivery, type KnownRepository, type NewRun } from '../db/webhook-repo.ts';
import type { RepositoryCache } from '../do/repository-cache.ts';
import { readWebhookFacts, type WebhookFacts } from './webhook-facts.ts';

async function lookupRepository(db: Db, externalId: number, cache: RepositoryCache | undefined): Promise<KnownRepository | null> {
  const cached = cache?.get(externalId, Date.now());
  if (cached !== undefined) {
    return cached;
  }
  const repo = await findRepository(db, externalId);
  cache?.set(externalId, repo, Date.now());
  return repo;
}

export interface VerifiedDelivery {
  deliveryId: string;
  event: string;
  payload: unknown;
  receivedAt: Date;
}

/** A run the close canceled, as it was before (the agents are told about held ones). */
export interface CanceledByClose {
  runId: string;
  previousStatus: string;
  epoch: number;
  jobName: string | null;
  namespace: string | null;
}

export type IngestOutcome =
  | { kind: 'accepted'; runId: string; clusterId: string | null; events: RealtimeEvent[]; reasons: string[] }
  | { kind: 'issue_closed'; projectId: string; clusterId: string | null; issueNumber: number; canceled: CanceledByClose[]; events: RealtimeEvent[] }
  | { kind: 'duplicate' }
  | { kind: 'ignored'; reason: string; reasons: string[] };

function buildRunPayload(d: VerifiedDelivery, facts: WebhookFacts, trigger: { label: string; kind: string; agentKey: string }): unknown {
  const { repository, sender, issue } = facts;
  return {
    source: 'github',
    delivery_id: d.deliveryId,
    correlation_id: d.deliveryId,
    event_type: d.event,
    action: facts.action ?? null,
    received_at: d.receivedAt.toISOString(),
    repository: repository && { id: repository.id, full_name: repository.full_name, name: repository.name, private: repository.private ?? false, fork: repository.fork ?? false },
    sender: sender && { id: sender.id, login: sender.login },
    issue: issue && { id: issue.id, number: issue.number, title: issue.title ?? '', html_url: issue.html_url ?? null, state: issue.state ?? 'open' },
    trigger: { source: 'issue_label', label: trigger.label, kind: trigger.kind },
    agent: { key: trigger.agentKey },
    raw_payload: d.payload,
  };
}

/**
 * The webhook use-case (domain.md §2.5, §3.9): evaluate the label policy and
 * persist delivery + run + audit + realtime event atomically.
 */
export async function ingestWebhook(
  d: VerifiedDelivery,
  db: Db,
  opts: { catalog?: LabelCatalog; repositories?: RepositoryCache } = {},
): Promise<IngestOutcome> {
  const catalog = opts.catalog ?? DEFAULT_LABEL_CATALOG;
  const facts = readWebhookFacts(d.payload) ?? {};
  const repo = facts.repository ? await lookupRepository(db, facts.repository.id, opts.repositories) : null;
  const decision = evaluateTrigger(
    {
      event: d.event,
      action: facts.action ?? null,
      labelName: facts.label?.name ?? null,
      senderType: facts.sender?.type ?? null,
      repositoryKnown: repo !== null,
      issueNumber: facts.issue?.number ?? null,
    },
    catalog,
  );
  const record = {
    deliveryId: d.deliveryId,
    event: d.event,
    action: facts.action ?? null,
    repositoryExternalId: facts.repository?.id ?? null,
    payload: d.payload,
    receivedAt: d.receivedAt,
  };
  if (decision.kind === 'close_issue' && repo !== null) {
    return closeIssue(db, record, repo, decision.issueNumber, decision.reasons);
  }
  if (decision.kind !== 'create_run' || repo === null) {
    const reason = decision.kind === 'ignore' ? decision.reason : 'repository_not_registered';
    // (close_issue without a repository cannot happen: the policy checks it first.)
    const outcome = await storeDelivery(db, record, { kind: 'ignore', reason, reasons: decision.reasons });
    return outcome.kind === 'duplicate' ? outcome : { kind: 'ignored', reason, reasons: decision.reasons };
  }
  const run: NewRun = {
    projectId: repo.projectId,
    repositoryId: repo.id,
    clusterId: repo.clusterId,
    repositoryFullName: repo.fullName,
    issueNumber: decision.issueNumber,
    issueUrl: facts.issue?.html_url ?? null,
    agentKey: decision.agentKey,
    triggerKind: decision.triggerKind,
    triggerLabel: decision.label,
    runPayload: buildRunPayload(d, facts, { label: decision.label, kind: decision.triggerKind, agentKey: decision.agentKey }),
  };
  const outcome = await storeDelivery(db, record, { kind: 'create', run, reasons: decision.reasons });
  if (outcome.kind !== 'accepted') {
    return { kind: 'duplicate' };
  }
  return { kind: 'accepted', runId: outcome.run.id, clusterId: outcome.run.clusterId, events: outcome.events, reasons: decision.reasons };
}

/**
 * An issue was closed (domain.md §2.5, §5.8): record the delivery, cancel the
 * issue's active runs, and let the caller ask the cluster to delete the
 * issue's namespaces. A redelivery of the same close changes nothing.
 */
async function closeIssue(
  db: Db,
  record: Parameters<typeof storeDelivery>[1],
  repo: KnownRepository,
  issueNumber: number,
  reasons: string[],
): Promise<IngestOutcome> {
  const stored = await storeDelivery(db, record, { kind: 'record', reason: 'issue_closed', reasons });
  if (stored.kind === 'duplicate') {
    return { kind: 'duplicate' };
  }
  const canceled: CanceledByClose[] = [];
  const events: RealtimeEvent[] = [];
  for (const runId of await activeRunIdsOfIssue(db, repo.id, issueNumber)) {
    const result = await cancelRun(db, { runId, reason: 'issue_closed', actorId: 'github-webhook', now: record.receivedAt });
    if (result.kind === 'done' && result.changed) {
      const { previous } = result;
      canceled.push({ runId, previousStatus: previous.status, epoch: previous.leaseEpoch, jobName: previous.jobName, namespace: previous.jobNamespace });
      events.push(...result.events);
    }
  }
  return { kind: 'issue_closed', projectId: repo.projectId, clusterId: repo.clusterId, issueNumber, canceled, events };
}
