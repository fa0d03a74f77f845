import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Console event log (docs/domain.md §8.4): written in the same transaction as the
 * change it describes; `id` is the clients' `last_event_id` cursor.
 */
export const realtimeEvents = pgTable(
  'realtime_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    topic: text().notNull(),
    scope: text().notNull(),
    projectId: uuid(),
    runId: uuid(),
    correlationId: text(),
    payloadJson: jsonb().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('realtime_events_scope_idx').on(t.scope, t.id), index('realtime_events_created_idx').on(t.createdAt)],
);
