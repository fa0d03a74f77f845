import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Failed GitHub App webhook deliveries the reconciler asked GitHub to
 * redeliver, by delivery GUID (`X-GitHub-Delivery`, stable across
 * redeliveries). `attempts` bounds how often one delivery is redelivered.
 */
export const hookRedeliveries = pgTable('hook_redeliveries', {
  guid: text().primaryKey(),
  /** The id (in GitHub's delivery log) of the failed attempt redelivered last. */
  deliveryId: bigint({ mode: 'number' }).notNull(),
  event: text().notNull(),
  action: text(),
  attempts: integer().notNull().default(0),
  firstAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
