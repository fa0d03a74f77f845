import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from '@grammyjs/types';
import { Api, GrammyError } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../src/index.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) {
    await closers.pop()?.();
  }
});

async function setup(): Promise<{ tg: FakeTelegram; api: Api; updates: Array<{ secret: string | undefined; update: Update }> }> {
  const tg = await startFakeTelegram();
  const updates: Array<{ secret: string | undefined; update: Update }> = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      updates.push({ secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined, update: JSON.parse(Buffer.concat(chunks).toString()) as Update });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  closers.push(tg.close, () => new Promise<void>((r) => hook.close(() => r())));
  const api = new Api(tg.token, { apiRoot: tg.url });
  await api.setWebhook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`, { secret_token: 'hook-secret_1', allowed_updates: ['message', 'callback_query'] });
  return { tg, api, updates };
}

describe('the fake Telegram Bot API, driven by grammY', () => {
  it('sends a message with buttons, plays a press to the webhook with the secret, takes the answer and an edit that drops the keyboard', async () => {
    const { tg, api, updates } = await setup();
    tg.addUser({ id: 501, username: 'octocat_tg' });
    const sent = await api.sendMessage(501, 'Approve?', { reply_markup: { inline_keyboard: [[{ text: 'Approve', callback_data: 'a:x:y' }, { text: 'Deny', callback_data: 'a:x:n' }]] } });
    expect(sent.chat.id).toBe(501);
    const press = await tg.userPresses({ userId: 501, messageId: sent.message_id, data: 'a:x:y' });
    expect(press.status).toBe(200);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.secret).toBe('hook-secret_1');
    expect(updates[0]?.update.callback_query).toMatchObject({ id: press.callbackQueryId, data: 'a:x:y', from: { id: 501, username: 'octocat_tg' }, message: { message_id: sent.message_id } });
    await api.answerCallbackQuery(press.callbackQueryId, { text: 'Received' });
    expect(tg.callbackAnswer(press.callbackQueryId)).toEqual({ callback_query_id: press.callbackQueryId, text: 'Received' });
    // A query is answered once.
    await expect(api.answerCallbackQuery(press.callbackQueryId)).rejects.toThrow(/query is too old/);
    await api.editMessageText(501, sent.message_id, 'Approved by @octocat');
    expect(tg.messages(501)[0]).toMatchObject({ text: 'Approved by @octocat', edit_date: expect.any(Number) });
    expect(tg.messages(501)[0]?.reply_markup).toBeUndefined();
  });

  it('carries a reply to a ForceReply prompt as a message with reply_to_message', async () => {
    const { tg, api, updates } = await setup();
    tg.addUser({ id: 502, username: 'alice' });
    const prompt = await api.sendMessage(502, 'Your answer:', { reply_markup: { force_reply: true, input_field_placeholder: 'Type here' } });
    await tg.userSends({ userId: 502, text: 'use sqlite', replyToMessageId: prompt.message_id });
    expect(updates[0]?.update.message).toMatchObject({ text: 'use sqlite', reply_to_message: { message_id: prompt.message_id } });
  });

  it('refuses what the Bot API refuses: long callback_data, unknown fields, unknown chats and methods, a wrong token', async () => {
    const { tg, api } = await setup();
    tg.addUser({ id: 503, username: 'bob' });
    await expect(api.sendMessage(503, 'x', { reply_markup: { inline_keyboard: [[{ text: 'b', callback_data: 'x'.repeat(65) }]] } })).rejects.toThrow(/callback_data must be 1-64 bytes/);
    await expect(api.sendMessage(999, 'x')).rejects.toThrow(/chat not found/);
    const raw = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 503, text: 'x', colour: 'red' }) });
    expect(raw.status).toBe(400);
    expect((await fetch(`${tg.url}/bot${tg.token}/sendTelepathy`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${tg.url}/bot1:wrong/getMe`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('answers 429 with retry_after when told to, then serves again', async () => {
    const { tg, api } = await setup();
    tg.addUser({ id: 504, username: 'carol' });
    tg.injectRateLimit('sendMessage', 1, 7);
    const error = await api.sendMessage(504, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(429);
    expect((error as GrammyError).parameters.retry_after).toBe(7);
    expect((await api.sendMessage(504, 'x')).text).toBe('x');
  });

  it('posts an update with a forged secret when told to (for the receiver\'s refusal tests)', async () => {
    const { tg, updates } = await setup();
    expect(await tg.deliver({ update_id: 1 } as Update, { secret: 'wrong' })).toBe(200);
    expect(updates[0]?.secret).toBe('wrong');
  });
});
