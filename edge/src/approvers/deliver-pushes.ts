/**
 * Pushes to HTTP approvers (docs/domain.md §7.1): each queued push is POSTed
 * once at creation and retried by the sweep (30 s doubling to 15 min, 5
 * attempts). The body carries the request as deciders may see it and a
 * one-time callback; it is signed with the endpoint's secret. A failed push
 * never blocks the other channels.
 */
import { approvalRequests, agentRuns } from '@stageline/db';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { appendFlowEvent } from '../db/flow-event-repo.ts';
import { duePushes, findEndpoint, recordPush, type PushRow } from '../db/approver-repo.ts';
import { approvalView } from '../domain/approvals.ts';
import { unseal } from '../lib/crypto.ts';
import type { Logger } from '../lib/log.ts';
import { mintCallbackToken } from './callback-token.ts';
import { DELIVERY_HEADER, signPush, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.ts';

export const PUSH_MAX_ATTEMPTS = 5;
const BASE_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 15 * 60_000;

export interface PushDeps {
  db: Db;
  now: () => Date;
  dataKey: string;
  callbackKey: string;
  /** The edge's public origin: the callback URL is built on it. */
  publicUrl: string;
  fetch: typeof fetch;
  log: Logger;
}

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

async function deliverOne(push: PushRow, deps: PushDeps): Promise<'sent' | 'retry' | 'failed'> {
  const [request] = await deps.db.select().from(approvalRequests).where(eq(approvalRequests.id, push.requestId));
  const endpoint = await findEndpoint(deps.db, push.endpointId);
  if (request === undefined || endpoint === null || !endpoint.enabled || request.state !== 'requested') {
    // Decided elsewhere, or the endpoint is gone: nothing left to ask.
    await recordPush(deps.db, push.id, { state: 'failed', attempts: push.attempts, nextAttemptAt: push.nextAttemptAt, lastError: 'no longer pending' });
    return 'failed';
  }
  const secret = await unseal(deps.dataKey, endpoint.signingSecretEncrypted);
  const [run] = await deps.db.select({ repository: agentRuns.repositoryFullName, issueNumber: agentRuns.issueNumber, pullRequestUrl: agentRuns.pullRequestUrl }).from(agentRuns).where(eq(agentRuns.id, request.runId));
  const callback = await mintCallbackToken(deps.callbackKey, { requestId: request.id, endpointId: endpoint.id, expiresAt: request.expiresAt });
  const body = JSON.stringify({
    schema_version: 'stageline-approval-v1',
    approval_request_id: request.id,
    correlation_id: request.correlationId,
    run_id: request.runId,
    repository: run?.repository ?? null,
    issue_url: run?.repository !== undefined && run.issueNumber !== null ? `https://github.com/${run.repository}/issues/${run.issueNumber}` : null,
    pull_request_url: run?.pullRequestUrl ?? null,
    ...approvalView(request),
    justification: (request.payload as { justification?: unknown }).justification ?? null,
    callback: { url: `${deps.publicUrl}/api/v1/approvals/callback`, token: callback.token, token_expires_at: callback.expiresAt.toISOString() },
  });
  const now = deps.now();
  const attempts = push.attempts + 1;
  let error: string | null = secret === null ? 'endpoint secret cannot be opened' : null;
  if (secret !== null) {
    const timestamp = Math.floor(now.getTime() / 1000);
    try {
      const res = await deps.fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: await signPush(secret, timestamp, body), [TIMESTAMP_HEADER]: String(timestamp), [DELIVERY_HEADER]: push.id },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      error = res.ok ? null : `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.name : 'network error';
    }
  }
  const done = error === null;
  const outOfAttempts = !done && attempts >= PUSH_MAX_ATTEMPTS;
  await recordPush(deps.db, push.id, { state: done ? 'sent' : outOfAttempts ? 'failed' : 'pending', attempts, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)), lastError: error });
  if (done || outOfAttempts) {
    await appendFlowEvent(deps.db, {
      correlationId: request.correlationId,
      actorType: 'system',
      actorId: `approver:${endpoint.id}`,
      eventType: done ? 'approval.push.sent' : 'approval.push.failed',
      payload: { run_id: request.runId, request_id: request.id, endpoint_id: endpoint.id, attempts, error },
    });
  }
  return done ? 'sent' : outOfAttempts ? 'failed' : 'retry';
}

/** Send the given pushes (or every due one); returns how each went. */
export async function deliverPushes(deps: PushDeps, input: { ids?: readonly string[]; limit?: number } = {}): Promise<Record<'sent' | 'retry' | 'failed', number>> {
  const counts = { sent: 0, retry: 0, failed: 0 };
  for (const push of await duePushes(deps.db, { now: deps.now(), ...(input.ids === undefined ? {} : { ids: input.ids }), limit: input.limit ?? 50 })) {
    const outcome = await deliverOne(push, deps);
    counts[outcome] += 1;
    if (outcome !== 'sent') {
      deps.log.warn('approval push not delivered', { pushId: push.id, endpointId: push.endpointId, outcome });
    }
  }
  return counts;
}
