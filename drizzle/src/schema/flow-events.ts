import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Append-only audit log joined to runs by `correlation_id` (docs/domain.md §3.11). */
export const flowEvents = pgTable(
  'flow_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    correlationId: text().notNull(),
    actorType: text({ enum: ['system', 'agent', 'human'] }).notNull(),
    actorId: text(),
    eventType: text().notNull(),
    payload: jsonb().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('flow_events_correlation_idx').on(t.correlationId, t.createdAt), index('flow_events_type_idx').on(t.eventType, t.createdAt)],
);
