/** Telegram bindings, link codes, handled updates, the bot's request messages and its outbox (docs/domain.md §7.6). */
import { approvalRequests, interactionRequests, projectMembers, telegramBindings, telegramLinkCodes, telegramMessages, telegramOutbox, telegramUpdates } from '@stageline/db';
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export type BindingRow = typeof telegramBindings.$inferSelect;
export type OutboxRow = typeof telegramOutbox.$inferSelect;
export type TelegramMessageRow = typeof telegramMessages.$inferSelect;

export async function updateSeen(tx: DbOrTx, updateId: number): Promise<boolean> {
  const rows = await tx.select({ id: telegramUpdates.updateId }).from(telegramUpdates).where(eq(telegramUpdates.updateId, updateId));
  return rows.length > 0;
}

/** True the first time an update id is recorded. */
export async function claimUpdate(tx: DbOrTx, updateId: number, now: Date): Promise<boolean> {
  const rows = await tx.insert(telegramUpdates).values({ updateId, receivedAt: now }).onConflictDoNothing().returning({ id: telegramUpdates.updateId });
  return rows.length === 1;
}

export async function storeLinkCode(tx: DbOrTx, input: { codeHash: string; githubLogin: string; expiresAt: Date }): Promise<void> {
  await tx.insert(telegramLinkCodes).values(input);
}

/** Spend a code: the login it was issued for, or null when unknown, used or expired. */
export async function spendLinkCode(tx: DbOrTx, codeHash: string, now: Date): Promise<string | null> {
  const [row] = await tx
    .update(telegramLinkCodes)
    .set({ usedAt: now })
    .where(and(eq(telegramLinkCodes.codeHash, codeHash), isNull(telegramLinkCodes.usedAt), gt(telegramLinkCodes.expiresAt, now)))
    .returning({ login: telegramLinkCodes.githubLogin });
  return row?.login ?? null;
}

/** Bind (or re-bind): a login has one Telegram user and a Telegram user one login. */
export async function bindTelegram(tx: DbOrTx, input: { githubLogin: string; telegramUserId: number; chatId: number; now: Date }): Promise<void> {
  await tx.delete(telegramBindings).where(or(eq(telegramBindings.githubLogin, input.githubLogin), eq(telegramBindings.telegramUserId, input.telegramUserId)));
  await tx.insert(telegramBindings).values({ githubLogin: input.githubLogin, telegramUserId: input.telegramUserId, chatId: input.chatId, boundAt: input.now });
}

export async function bindingOfUser(tx: DbOrTx, telegramUserId: number): Promise<BindingRow | null> {
  const [row] = await tx.select().from(telegramBindings).where(eq(telegramBindings.telegramUserId, telegramUserId));
  return row ?? null;
}

export async function bindingOfLogin(tx: DbOrTx, login: string): Promise<BindingRow | null> {
  const [row] = await tx.select().from(telegramBindings).where(sql`lower(${telegramBindings.githubLogin}) = ${login.toLowerCase()}`);
  return row ?? null;
}

/** Bound members of a project with one of these roles. */
export async function boundMembers(tx: DbOrTx, projectId: string, roles: readonly string[]): Promise<Array<BindingRow & { role: string }>> {
  const rows = await tx
    .select({ githubLogin: telegramBindings.githubLogin, telegramUserId: telegramBindings.telegramUserId, chatId: telegramBindings.chatId, boundAt: telegramBindings.boundAt, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(telegramBindings, sql`lower(${telegramBindings.githubLogin}) = lower(${projectMembers.githubLogin})`)
    .where(and(eq(projectMembers.projectId, projectId), inArray(projectMembers.role, [...roles] as Array<'admin' | 'read_write' | 'read'>)));
  return rows;
}

export async function projectRole(tx: DbOrTx, projectId: string, login: string): Promise<'admin' | 'read_write' | 'read' | null> {
  const [row] = await tx.select({ role: projectMembers.role }).from(projectMembers).where(and(eq(projectMembers.projectId, projectId), sql`lower(${projectMembers.githubLogin}) = ${login.toLowerCase()}`));
  return row?.role ?? null;
}

export async function recordBotMessage(tx: DbOrTx, row: { chatId: number; messageId: number; kind: TelegramMessageRow['kind']; refId: string }): Promise<void> {
  await tx.insert(telegramMessages).values(row).onConflictDoNothing();
}

export async function botMessage(tx: DbOrTx, chatId: number, messageId: number): Promise<TelegramMessageRow | null> {
  const [row] = await tx.select().from(telegramMessages).where(and(eq(telegramMessages.chatId, chatId), eq(telegramMessages.messageId, messageId)));
  return row ?? null;
}

export async function botMessagesOf(tx: DbOrTx, refId: string): Promise<TelegramMessageRow[]> {
  return tx.select().from(telegramMessages).where(and(eq(telegramMessages.refId, refId), inArray(telegramMessages.kind, ['interaction', 'approval'])));
}

export async function queueTelegram(tx: DbOrTx, rows: Array<Pick<OutboxRow, 'method' | 'chatId' | 'payload' | 'kind'> & { refId: string | null }>, now: Date): Promise<string[]> {
  if (rows.length === 0) {
    return [];
  }
  const inserted = await tx
    .insert(telegramOutbox)
    .values(rows.map((r) => ({ ...r, nextAttemptAt: now })))
    .returning({ id: telegramOutbox.id });
  return inserted.map((r) => r.id);
}

export async function dueTelegram(tx: DbOrTx, input: { now: Date; ids?: readonly string[]; limit: number }): Promise<OutboxRow[]> {
  return tx
    .select()
    .from(telegramOutbox)
    .where(and(eq(telegramOutbox.state, 'pending'), lte(telegramOutbox.nextAttemptAt, input.now), ...(input.ids === undefined ? [] : [inArray(telegramOutbox.id, [...input.ids])])))
    .orderBy(asc(telegramOutbox.createdAt))
    .limit(input.limit);
}

export async function recordTelegram(tx: DbOrTx, id: string, change: Pick<OutboxRow, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError'>): Promise<void> {
  await tx.update(telegramOutbox).set(change).where(eq(telegramOutbox.id, id));
}

/**
 * Queue an edit of every message that stood for this request (a question or
 * an approval): the buttons go, `text` (the outcome) stays. Ids of the
 * queued calls, for an immediate delivery after the commit.
 */
export async function queueSettleEdits(tx: DbOrTx, refId: string, text: string, now: Date): Promise<string[]> {
  const messages = await botMessagesOf(tx, refId);
  return queueTelegram(tx, messages.map((m) => ({ method: 'editMessageText' as const, chatId: m.chatId, payload: { message_id: m.messageId, text }, kind: 'notice' as const, refId: null })), now);
}

/**
 * Whether the request a queued message stands for still takes an answer:
 * an approval still `requested`, a question still `pending`. Other calls
 * (notices, edits) have nothing to check.
 */
export async function requestStillOpen(tx: DbOrTx, row: Pick<OutboxRow, 'kind' | 'refId'>): Promise<boolean> {
  if (row.refId === null) {
    return true;
  }
  if (row.kind === 'approval') {
    const [r] = await tx.select({ state: approvalRequests.state }).from(approvalRequests).where(eq(approvalRequests.id, row.refId));
    return r?.state === 'requested';
  }
  if (row.kind === 'interaction' || row.kind === 'free_text_prompt') {
    const [q] = await tx.select({ state: interactionRequests.state }).from(interactionRequests).where(eq(interactionRequests.id, row.refId));
    return q?.state === 'pending';
  }
  return true;
}
