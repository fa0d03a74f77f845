import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { APPROVAL_STATES, type ApprovalState } from '@stageline/policy';
import { agentRuns } from './agent-runs.ts';

export const APPROVAL_STATE_VALUES = APPROVAL_STATES;

/**
 * A control action an agent asked for, waiting for (or past) a person's or an
 * approver's decision (docs/domain.md §6.4). `target_key` is the canonical
 * text of `target_ref`: one open request per (run, tool, action, target).
 * `payload` holds only what may be shown; a secret value lives encrypted in
 * `secret_encrypted` and is decrypted only to apply it.
 */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: uuid().primaryKey().defaultRandom(),
    runId: uuid()
      .notNull()
      .references(() => agentRuns.id, { onDelete: 'cascade' }),
    projectId: uuid(),
    correlationId: text().notNull(),
    tool: text().notNull(),
    action: text().notNull(),
    targetKey: text().notNull(),
    targetRef: jsonb().$type<Record<string, unknown>>().notNull(),
    approvalMode: text().notNull(),
    state: text().$type<ApprovalState>().notNull().default('requested'),
    requestedBy: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    secretEncrypted: text(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    decidedBy: text(),
    decisionChannel: text(),
    decisionReason: text(),
    decidedAt: timestamp({ withTimezone: true }),
    result: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('approval_requests_open_signature').on(t.runId, t.tool, t.action, t.targetKey).where(sql`${t.state} in ('requested', 'approved')`),
    index('approval_requests_state_expires').on(t.state, t.expiresAt),
    index('approval_requests_project_created').on(t.projectId, t.createdAt.desc()),
  ],
);

/**
 * HTTP approvers of a project (docs/domain.md §7.1): each gets every
 * `delegated` request pushed, signed with its secret (stored encrypted).
 */
export const approvalEndpoints = pgTable('approval_endpoints', {
  id: uuid().primaryKey().defaultRandom(),
  projectId: uuid().notNull(),
  url: text().notNull(),
  signingSecretEncrypted: text().notNull(),
  enabled: boolean().notNull().default(true),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * The durable queue of pushes to HTTP approvers: one row per (request,
 * endpoint), sent at once and retried by the sweep with backoff until
 * delivered or out of attempts.
 */
export const approvalPushes = pgTable(
  'approval_pushes',
  {
    id: uuid().primaryKey().defaultRandom(),
    requestId: uuid()
      .notNull()
      .references(() => approvalRequests.id, { onDelete: 'cascade' }),
    endpointId: uuid()
      .notNull()
      .references(() => approvalEndpoints.id, { onDelete: 'cascade' }),
    state: text().$type<'pending' | 'sent' | 'failed'>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('approval_pushes_request_endpoint').on(t.requestId, t.endpointId), index('approval_pushes_due').on(t.state, t.nextAttemptAt)],
);

/** Nonces of approver callbacks already accepted: a replayed callback is refused (kept past the timestamp window). */
export const approvalCallbackNonces = pgTable('approval_callback_nonces', {
  nonce: text().primaryKey(),
  endpointId: uuid().notNull(),
  seenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Which project owns which database, per environment (docs/domain.md §7.7):
 * written when a `database_lifecycle` create is applied, removed on delete.
 */
export const projectDatabases = pgTable('project_databases', {
  databaseName: text().primaryKey(),
  projectId: uuid().notNull(),
  environment: text().notNull(),
  createdByRequest: uuid(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
