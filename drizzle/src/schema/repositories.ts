import { bigint, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** GitHub repositories bound to a project; `external_id` is GitHub's repository id. */
export const repositories = pgTable(
  'repositories',
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    provider: text().notNull().default('github'),
    externalId: bigint({ mode: 'number' }).notNull(),
    owner: text().notNull(),
    name: text().notNull(),
    fullName: text().notNull(),
    /** Removed from the App installation: no longer bound (its run history stays). */
    unboundAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('repositories_provider_external_id_key').on(t.provider, t.externalId)],
);
