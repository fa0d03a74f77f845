/**
 * The Workers cron entry (`[triggers] crons` in wrangler.toml): runs the
 * GitHub reconciler (reconcile/reconcile-github.ts). Each part is best
 * effort and logged; the next tick tries again.
 */
import { repositoryIdOf, webhookInboxOf } from './composition/durable-objects.ts';
import { createEdgeRoot, type EdgeRoot } from './composition/root.ts';
import { deliverPushes } from './approvers/deliver-pushes.ts';
import { sweepApprovals } from './domain/approval-sweep.ts';
import { deliverTelegram, readTelegramSettings, telegramApi } from './telegram/outbox.ts';
import { jsonbSafe } from './db/jsonb.ts';
import { boundRepositories } from './db/reconcile-repo.ts';
import type { SyntheticDelivery } from './domain/verified-delivery.ts';
import { redeliverFailedDeliveries, warnMissingRuns } from './reconcile/reconcile-github.ts';

/** Repositories scanned for trigger labels without runs per tick. */
export const MAX_REPOSITORIES_PER_TICK = 100;

export async function handleScheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const root = createEdgeRoot(env, { component: 'reconciler', cron: controller.cron });
  const { log } = root;
  await sweepOwnerLoop(root, env, ctx);
  const app = root.githubApp();
  if (app === undefined) {
    log.warn('reconciler skipped: the GitHub App is not configured');
    return;
  }
  const { client } = app;
  const handle = root.openDb();
  try {
    const deps = { client, db: handle.db, now: Date.now, log, reevaluate: createReevaluate(env) };
    const redeliveries = await redeliverFailedDeliveries(deps);
    const missing = await warnMissingRuns(deps, await boundRepositories(handle.db, MAX_REPOSITORIES_PER_TICK), { labeledPending: redeliveries.labeledPending });
    log.info('reconciler done', {
      deliveriesListed: redeliveries.listed,
      redelivered: redeliveries.redelivered.length,
      redeliveriesFailed: redeliveries.failed.length,
      repositories: missing.repositories,
      missingRuns: missing.warnings.length,
      repositoryErrors: missing.errors.length,
    });
  } finally {
    ctx.waitUntil(handle.close());
  }
}

/** Approval and question expiry, re-sent applies, approver push and Telegram retries; independent of the GitHub App. */
async function sweepOwnerLoop(root: EdgeRoot, env: Env, ctx: ExecutionContext): Promise<void> {
  const handle = root.openDb();
  try {
    const now = new Date();
    const swept = await sweepApprovals(handle.db, { dataKey: root.settings.dataKey, now });
    await root.effects.run(swept.effects, root.log);
    const publicUrl = root.settings.consoleUrl;
    const pushes = publicUrl === null ? null : await deliverPushes({ db: handle.db, now: () => new Date(), dataKey: root.settings.dataKey, callbackKey: root.settings.runTokenKey, publicUrl, fetch: (i, init) => fetch(i, init), log: root.log });
    const telegram = readTelegramSettings(env);
    const calls = telegram === null ? null : await deliverTelegram({ db: handle.db, api: telegramApi(telegram), now: () => new Date(), log: root.log });
    root.log.info('approvals swept', { expired: swept.expired, resent: swept.resent, pushes, telegram: calls });
  } catch (error) {
    root.log.warn('approvals sweep failed', { error });
  } finally {
    ctx.waitUntil(handle.close());
  }
}

/**
 * A synthetic delivery takes the path of a received one: the repository's
 * WebhookInbox (ordered after queued deliveries, kept while Postgres is
 * down), which hands the effects (run.available, status comment, eyes) to
 * the effect pipeline after its commit.
 */
export function createReevaluate(env: Env): (delivery: SyntheticDelivery) => Promise<string> {
  return async (delivery) => {
    const payload = typeof delivery.payload === 'object' && delivery.payload !== null ? delivery.payload : {};
    const payloadText = JSON.stringify(jsonbSafe(payload));
    const answer = await webhookInboxOf(env, repositoryIdOf(payload)).ingest({ deliveryId: delivery.deliveryId, event: delivery.event, payloadText, receivedAt: delivery.receivedAt });
    return answer.kind;
  };
}
