import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Every verified GitHub delivery, stored before the answer. The primary key on
 * `X-GitHub-Delivery` makes a redelivery a no-op ("duplicate").
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    deliveryId: text().primaryKey(),
    event: text().notNull(),
    action: text(),
    repositoryExternalId: bigint({ mode: 'number' }),
    outcome: text({ enum: ['accepted', 'ignored'] }).notNull(),
    reason: text(),
    runId: uuid(),
    payload: jsonb().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  // The console's errors screen lists refused deliveries, newest first (docs/domain.md §8.2).
  (t) => [index('webhook_deliveries_ignored_idx').on(t.receivedAt).where(sql`outcome = 'ignored'`)],
);
