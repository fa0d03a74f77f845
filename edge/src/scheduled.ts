/**
 * The Workers cron entry (`[triggers] crons` in wrangler.toml): runs the
 * GitHub reconciler (reconcile/reconcile-github.ts). Each part is best
 * effort and logged; the next tick tries again.
 */
import { createDb } from './db/client.ts';
import { notifyIngested } from './do/webhook-inbox-notify.ts';
import type { VerifiedDelivery } from './domain/ingest-webhook.ts';
import { boundRepositories } from './db/reconcile-repo.ts';
import { isGitHubAppConfigured, readGitHubAppSettings } from './env.ts';
import { createGitHubApp } from './github/github-app.ts';
import type { Logger } from './lib/log.ts';
import { createLogger, parseLogLevel } from './lib/log.ts';
import { redeliverFailedDeliveries, warnMissingRuns } from './reconcile/reconcile-github.ts';
import { inboxName } from './routes/github-webhooks.ts';

/** Repositories scanned for trigger labels without runs per tick. */
export const MAX_REPOSITORIES_PER_TICK = 100;

export async function handleScheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  const log = createLogger({ component: 'reconciler', cron: controller.cron }, parseLogLevel(env.STAGELINE_LOG_LEVEL));
  if (!isGitHubAppConfigured(env)) {
    log.warn('reconciler skipped: the GitHub App is not configured');
    return;
  }
  const { client } = createGitHubApp({ settings: readGitHubAppSettings(env), log, now: Date.now });
  const handle = createDb(env);
  try {
    const deps = { client, db: handle.db, now: Date.now, log, reevaluate: createReevaluate(env, ctx, log) };
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

/**
 * A synthetic delivery takes the path of a received one: the repository's
 * WebhookInbox (ordered after queued deliveries, kept while Postgres is
 * down), then the post-commit notify (run.available, status comment, eyes).
 */
export function createReevaluate(env: Env, ctx: Pick<ExecutionContext, 'waitUntil'>, log: Logger): (delivery: VerifiedDelivery) => Promise<string> {
  return async (delivery) => {
    const payload = typeof delivery.payload === 'object' && delivery.payload !== null ? delivery.payload : {};
    const inbox = env.WEBHOOK_INBOX.get(env.WEBHOOK_INBOX.idFromName(inboxName(payload)));
    const answer = await inbox.ingest(delivery);
    if (answer.kind !== 'queued' && answer.kind !== 'inbox_full') {
      ctx.waitUntil(notifyIngested(env, answer, log.with({ deliveryId: delivery.deliveryId })));
    }
    return answer.kind;
  };
}
