import { bigint, boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * People who signed in to the console with GitHub (docs/domain.md §8.1).
 * Project roles stay in `project_members` by login, so a member can be added
 * before their first sign-in; `platform_admin` is the cross-project role.
 */
export const staffUsers = pgTable('staff_users', {
  id: uuid().primaryKey().defaultRandom(),
  githubId: bigint({ mode: 'number' }).notNull().unique(),
  /** Lower-case, as `project_members.github_login` stores it. */
  login: text().notNull().unique(),
  name: text(),
  avatarUrl: text(),
  platformAdmin: boolean().notNull().default(false),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastSignInAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * A signed-in browser. The short-lived session JWT names it; the refresh
 * cookie proves it, stored only as a SHA-256 and rotated on every refresh.
 * `previous_refresh_hash` lets a second tab's refresh that raced the first
 * succeed for a moment instead of signing the person out.
 */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    refreshHash: text().notNull().unique(),
    previousRefreshHash: text(),
    rotatedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('staff_sessions_user_idx').on(t.userId), index('staff_sessions_expires_idx').on(t.expiresAt)],
);
