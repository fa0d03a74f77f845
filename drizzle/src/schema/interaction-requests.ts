import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agentRuns } from './agent-runs.ts';

/**
 * A message or a question from an agent to a person (docs/domain.md §7.5):
 * `notify` is delivered and done; `decision` waits for one answer (an
 * option, free text), its expiry or its cancellation, then resumes the run.
 */
export const interactionRequests = pgTable(
  'interaction_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    runId: uuid()
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    projectId: uuid(),
    correlationId: text().notNull(),
    kind: text().$type<'notify' | 'decision'>().notNull(),
    /** The GitHub login the question is for (issue author, else PR author, else the sender). */
    recipientLogin: text(),
    text: text().notNull(),
    options: jsonb().$type<Array<{ id: string; label: string }>>().notNull().default([]),
    allowFreeText: boolean().notNull().default(false),
    state: text().$type<'pending' | 'answered' | 'expired' | 'cancelled' | 'delivered'>().notNull().default('pending'),
    /** `{kind: option|free_text|none, option_id?, text?}` once answered. */
    response: jsonb().$type<Record<string, unknown>>(),
    respondedBy: text(),
    channel: text(),
    deadlineAt: timestamp({ withTimezone: true }),
    /** The idempotency key of the tool call that asked (the same call asks once). */
    callKey: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    answeredAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('interaction_requests_run_call').on(t.runId, t.callKey), index('interaction_requests_state_deadline').on(t.state, t.deadlineAt), index('interaction_requests_recipient').on(t.recipientLogin, t.state)],
);
