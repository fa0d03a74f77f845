import { DurableObject } from 'cloudflare:workers';
import { createWarmPool } from '../db/warm-pool.ts';
import { ingestWebhook, type IngestOutcome, type VerifiedDelivery } from '../domain/ingest-webhook.ts';
import { createLogger } from '../lib/log.ts';
import { createRepositoryCache, type RepositoryCache } from './repository-cache.ts';

/**
 * Verified deliveries of one repository are applied here, in arrival order.
 * Unlike a Worker request, a Durable Object may keep its sockets between
 * calls, so the Postgres pool stays warm and the acknowledgement costs one
 * round trip instead of a connection setup plus a transaction. (The
 * database-down inbox of the label-policy issue will live here too.)
 */
export class WebhookInbox extends DurableObject<Env> {
  private readonly log = createLogger({ component: 'webhook-inbox' });
  private readonly pool = createWarmPool(this.env);
  private readonly repositories: RepositoryCache = createRepositoryCache(10_000);

  async ingest(delivery: VerifiedDelivery): Promise<IngestOutcome> {
    try {
      return await ingestWebhook(delivery, this.pool.db(), { repositories: this.repositories });
    } catch (error) {
      this.ctx.waitUntil(this.pool.reset());
      this.log.warn('ingest failed; pool reset', { deliveryId: delivery.deliveryId, error });
      throw error;
    }
  }
}
