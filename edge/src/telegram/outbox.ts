/**
 * Makes the queued Bot API calls (docs/domain.md §7.6) through grammY's
 * `Api`: at once after the request's commit and again from the sweep. A 429
 * waits exactly its `retry_after`; other failures back off (5 s doubling to
 * 5 min, 6 attempts); a 4xx that will never succeed fails the row. A sent
 * question or approval is recorded so presses and replies can be matched; one
 * whose request was settled while the call waited (a run that ended withdrew
 * it, someone decided in the console) is skipped: its buttons would only be
 * refused.
 */
import { Api, GrammyError, HttpError } from 'grammy/web';
import type { Db } from '../db/client.ts';
import { dueTelegram, recordBotMessage, recordTelegram, requestStillOpen, type OutboxRow } from '../db/telegram-repo.ts';
import type { Logger } from '../lib/log.ts';

export const TELEGRAM_MAX_ATTEMPTS = 6;

export interface TelegramSettings {
  token: string;
  apiRoot: string;
  webhookSecret: string;
  botUsername: string;
}

/** The bot's settings, or null when Telegram is not configured (the channel is then off). */
export function readTelegramSettings(env: Pick<Env, 'TELEGRAM_API_URL' | 'TELEGRAM_BOT_USERNAME'> & { TELEGRAM_BOT_TOKEN?: string; STAGELINE_TELEGRAM_WEBHOOK_SECRET?: string }): TelegramSettings | null {
  const token = (env.TELEGRAM_BOT_TOKEN ?? '').trim();
  const webhookSecret = (env.STAGELINE_TELEGRAM_WEBHOOK_SECRET ?? '').trim();
  if (token === '' || webhookSecret === '') {
    return null;
  }
  return { token, webhookSecret, apiRoot: (env.TELEGRAM_API_URL || 'https://api.telegram.org').replace(/\/+$/, ''), botUsername: env.TELEGRAM_BOT_USERNAME || 'stageline_bot' };
}

export function telegramApi(settings: TelegramSettings): Api {
  return new Api(settings.token, { apiRoot: settings.apiRoot });
}

function backoffMs(attempts: number): number {
  return Math.min(300_000, 5000 * 2 ** Math.max(0, attempts - 1));
}

async function callOne(api: Api, row: OutboxRow): Promise<number | null> {
  const p = row.payload as Record<string, unknown>;
  if (row.method === 'sendMessage') {
    const sent = await api.sendMessage(row.chatId, String(p['text']), p['reply_markup'] === undefined ? {} : { reply_markup: p['reply_markup'] as never });
    return sent.message_id;
  }
  await api.editMessageText(row.chatId, Number(p['message_id']), String(p['text']), { reply_markup: { inline_keyboard: [] } });
  return null;
}

export async function deliverTelegram(deps: { db: Db; api: Api; now: () => Date; log: Logger }, input: { ids?: readonly string[]; limit?: number } = {}): Promise<Record<'sent' | 'retry' | 'failed' | 'skipped', number>> {
  const counts = { sent: 0, retry: 0, failed: 0, skipped: 0 };
  for (const row of await dueTelegram(deps.db, { now: deps.now(), ...(input.ids === undefined ? {} : { ids: input.ids }), limit: input.limit ?? 50 })) {
    const attempts = row.attempts + 1;
    if (row.method === 'sendMessage' && !(await requestStillOpen(deps.db, row))) {
      await recordTelegram(deps.db, row.id, { state: 'skipped', attempts: row.attempts, nextAttemptAt: deps.now(), lastError: null });
      counts.skipped += 1;
      continue;
    }
    try {
      const messageId = await callOne(deps.api, row);
      if (messageId !== null && row.refId !== null && row.kind !== 'notice') {
        await recordBotMessage(deps.db, { chatId: row.chatId, messageId, kind: row.kind, refId: row.refId });
      }
      await recordTelegram(deps.db, row.id, { state: 'sent', attempts, nextAttemptAt: deps.now(), lastError: null });
      counts.sent += 1;
    } catch (error) {
      const now = deps.now().getTime();
      if (error instanceof GrammyError && error.error_code === 429) {
        // Telegram names the wait; it is not a failure of the message.
        const wait = (error.parameters.retry_after ?? 1) * 1000;
        await recordTelegram(deps.db, row.id, { state: 'pending', attempts: row.attempts, nextAttemptAt: new Date(now + wait), lastError: 'HTTP 429' });
        counts.retry += 1;
        continue;
      }
      if (error instanceof GrammyError && /message is not modified/.test(error.description)) {
        await recordTelegram(deps.db, row.id, { state: 'sent', attempts, nextAttemptAt: new Date(now), lastError: null });
        counts.sent += 1;
        continue;
      }
      const permanent = error instanceof GrammyError && error.error_code >= 400 && error.error_code < 500;
      const failed = permanent || attempts >= TELEGRAM_MAX_ATTEMPTS;
      const reason = error instanceof GrammyError ? `HTTP ${error.error_code}: ${error.description.slice(0, 200)}` : error instanceof HttpError ? 'network error' : 'error';
      await recordTelegram(deps.db, row.id, { state: failed ? 'failed' : 'pending', attempts, nextAttemptAt: new Date(now + backoffMs(attempts)), lastError: reason });
      deps.log.warn('telegram call not made', { outboxId: row.id, method: row.method, reason, failed });
      counts[failed ? 'failed' : 'retry'] += 1;
    }
  }
  return counts;
}
