import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clusters } from './clusters.ts';
import { projects } from './projects.ts';
import { repositories } from './repositories.ts';

import { RUN_STATUSES, type RunPayload } from '@stageline/policy';

/** The column's values are the policy's statuses (docs/domain.md §3.1). */
export const RUN_STATUS_VALUES = RUN_STATUSES;

/**
 * One row per logical run (docs/domain.md §4.2).
 * `lease_epoch` is the fencing token: every claim increments it and every write
 * from a cluster-agent must carry the current value.
 */
export const agentRuns = pgTable(
  'agent_runs',
  {
    id: uuid().primaryKey().defaultRandom(),
    correlationId: text().notNull().unique(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    repositoryId: uuid()
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    clusterId: text().references(() => clusters.id, { onDelete: 'set null' }),
    // Denormalised from the payload so list queries need no joins or JSON reads (docs/domain.md §8.2).
    repositoryFullName: text().notNull(),
    issueUrl: text(),
    agentKey: text().notNull(),
    triggerKind: text().notNull(),
    triggerLabel: text().notNull(),
    issueNumber: integer(),
    status: text({ enum: RUN_STATUS_VALUES }).notNull().default('pending'),
    statusReason: text(),
    // The run contract (policy/src/run-payload.ts); readers still parse it with `parseRunSpec`.
    runPayload: jsonb().$type<RunPayload>().notNull(),
    leaseOwner: text(),
    leaseUntil: timestamp({ withTimezone: true }),
    leaseEpoch: integer().notNull().default(0),
    attemptNo: integer().notNull().default(1),
    jobName: text(),
    jobNamespace: text(),
    lastHeartbeatAt: timestamp({ withTimezone: true }),
    /** Bumped on every update, so realtime clients can order snapshots. */
    version: integer().notNull().default(1),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    closedAt: timestamp({ withTimezone: true }),
    // What a waiting run waits for (docs/architecture.md, "Waits"); null while it does not wait.
    waitReason: text(),
    waitTarget: text(),
    /** Start of the current pause: a wait, or the queue time of an attempt a resume requeued. */
    waitSince: timestamp({ withTimezone: true }),
    /** Closed pauses since the first claim; the execution budget excludes them (policy `executionTimeMs`). */
    waitedMs: bigint({ mode: 'number' }).notNull().default(0),
    // What the runner in the Job reported (docs/architecture.md, "The runner"); the status comment shows it.
    runnerPhase: text(),
    branchName: text(),
    pullRequestNumber: integer(),
    pullRequestUrl: text(),
    /** The last few `run_status_report` lines, oldest first. */
    statusLines: text().array().notNull().default(sql`'{}'::text[]`),
    /** Why the runner failed the run (e.g. `scope_violation: src/a.ts`); the Job's own reason says only that it failed. */
    runnerReason: text(),
    /** When the status comment last showed runner progress: edits for status lines are spaced (docs/architecture.md). */
    progressShownAt: timestamp({ withTimezone: true }),
    /**
     * What ended the last wait of a parked run (an approval's outcome, a
     * person's answer): the next attempt's runner puts it before the resume
     * prompt (docs/domain.md §7.5). Typed by the policy's `ResumePayload`.
     */
    resumePayload: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [
    // The claim query: oldest pending run of a cluster.
    index('agent_runs_claim_idx').on(t.clusterId, t.createdAt).where(sql`status = 'pending'`),
    index('agent_runs_status_lease_idx').on(t.status, t.leaseUntil),
    // The staff run list pages by (created_at, id) newest first, for everyone or per project (docs/domain.md §8.2).
    index('agent_runs_created_idx').on(t.createdAt, t.id),
    index('agent_runs_project_created_idx').on(t.projectId, t.createdAt, t.id),
    // Webhook ingest reads an issue's run history (lineage, discussion, profile hints) per trigger.
    index('agent_runs_repository_issue_idx').on(t.repositoryId, t.issueNumber, t.createdAt),
  ],
);
