import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Update ids already handled: Telegram retries a delivery it thinks failed, and a replay must change nothing. */
export const telegramUpdates = pgTable('telegram_updates', {
  updateId: bigint({ mode: 'number' }).primaryKey(),
  receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** A Telegram user bound to a GitHub login by a one-time code (docs/domain.md §7.6); one each way. */
export const telegramBindings = pgTable('telegram_bindings', {
  githubLogin: text().primaryKey(),
  telegramUserId: bigint({ mode: 'number' }).notNull().unique(),
  chatId: bigint({ mode: 'number' }).notNull(),
  boundAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** One-time link codes, stored as their SHA-256; a code binds once, before it expires. */
export const telegramLinkCodes = pgTable('telegram_link_codes', {
  codeHash: text().primaryKey(),
  githubLogin: text().notNull(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  usedAt: timestamp({ withTimezone: true }),
});

/** The bot's messages that stand for a request (a question, an approval, a free-text prompt), to match presses, replies and edits. */
export const telegramMessages = pgTable(
  'telegram_messages',
  {
    chatId: bigint({ mode: 'number' }).notNull(),
    messageId: integer().notNull(),
    kind: text().$type<'interaction' | 'approval' | 'free_text_prompt'>().notNull(),
    refId: uuid().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.chatId, t.messageId] }), index('telegram_messages_ref').on(t.refId)],
);

/**
 * Bot API calls waiting to be made: sent at once and retried by the sweep;
 * a 429 pushes `next_attempt_at` by its `retry_after`.
 */
export const telegramOutbox = pgTable(
  'telegram_outbox',
  {
    id: uuid().primaryKey().defaultRandom(),
    method: text().$type<'sendMessage' | 'editMessageText'>().notNull(),
    chatId: bigint({ mode: 'number' }).notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    /** What the sent message stands for (recorded in telegram_messages once sent). */
    kind: text().$type<'interaction' | 'approval' | 'free_text_prompt' | 'notice'>().notNull(),
    refId: uuid(),
    // skipped: a message for a request settled before the call was made (edge/src/telegram/outbox.ts).
    state: text().$type<'pending' | 'sent' | 'failed' | 'skipped'>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('telegram_outbox_due').on(t.state, t.nextAttemptAt)],
);
