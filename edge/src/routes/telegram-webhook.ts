/**
 * `POST /telegram/webhook`: updates from Telegram through grammY's hono
 * adapter, which checks `X-Telegram-Bot-Api-Secret-Token` (401 otherwise).
 * Oversized bodies are refused before; with the bot not configured the route
 * does not exist (404).
 */
import { webhookCallback } from 'grammy/web';
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { sameText } from '../lib/crypto.ts';
import { errorBody } from '../lib/http-error.ts';
import { createBot } from '../telegram/bot.ts';
import { readTelegramSettings } from '../telegram/outbox.ts';

/** Telegram's updates are small; a photo caption is the largest text we could get. */
const MAX_UPDATE_BYTES = 64 * 1024;

export const telegramWebhook = new Hono<AppEnv>().post('/telegram/webhook', async (c) => {
  const settings = readTelegramSettings(c.env);
  if (settings === null) {
    return c.json(errorBody('not_found', 'the Telegram channel is not configured'), 404);
  }
  // Checked here too (constant time) so nothing is read for a caller without the secret.
  if (!sameText(c.req.header('x-telegram-bot-api-secret-token') ?? '', settings.webhookSecret)) {
    return c.json(errorBody('unauthorized', 'wrong secret token'), 401);
  }
  if (Number(c.req.header('content-length') ?? '0') > MAX_UPDATE_BYTES) {
    return c.json(errorBody('payload_too_large', `updates are limited to ${MAX_UPDATE_BYTES} bytes`), 413);
  }
  const { root } = c.var;
  const bot = createBot({
    db: c.var.db,
    settings,
    approvals: { dataKey: root.settings.dataKey, ttlSeconds: root.settings.approvalTtlSeconds, consoleUrl: root.settings.consoleUrl },
    now: () => new Date(),
    emit: (effects) => {
      if (effects.length > 0) {
        c.executionCtx.waitUntil(root.effects.run(effects, c.var.log));
      }
    },
    log: c.var.log,
  });
  const handle = webhookCallback(bot, 'hono', { secretToken: settings.webhookSecret, onTimeout: 'return', timeoutMilliseconds: 9000 });
  try {
    return await handle(c);
  } catch (error) {
    if (error instanceof SyntaxError) {
      // Not JSON: say so; Telegram does not retry a 400.
      return c.json(errorBody('invalid_argument', 'not a Telegram update'), 400);
    }
    // Anything else is ours: a 500 makes Telegram deliver the update again.
    throw error;
  }
});
