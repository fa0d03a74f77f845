/**
 * A stateful stand-in for the Telegram Bot API (`POST /bot<token>/<method>`),
 * for tests and `npm start`: messages with inline keyboards and ForceReply,
 * edits, callback-query answers, the webhook, and 429s with `retry_after` on
 * demand. Requests are checked against the official parameters (schemas.ts).
 * It also plays users: pressing a button or replying posts an update to the
 * webhook with the secret header, as Telegram does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message, Update } from '@grammyjs/types';
import type { z } from 'zod';
import * as schemas from './schemas.ts';
import { createState, type CallbackAnswer, type FakeTelegramState, type FakeUser, type StoredMessage } from './state.ts';

export interface FakeTelegram {
  url: string;
  token: string;
  bot: FakeUser;
  state: FakeTelegramState;
  addUser(user: { id: number; username: string }): FakeUser;
  /** Messages of a private chat (chat id = user id), oldest first. */
  messages(chatId: number): StoredMessage[];
  /**
   * The user sends a text (optionally as a reply): delivered to the webhook (its HTTP status), or
   * with `deliver: false` only built, for a caller that posts it itself (status 0).
   */
  userSends(input: { userId: number; text: string; replyToMessageId?: number; deliver?: boolean }): Promise<{ status: number; updateId: number; messageId: number; update: Update }>;
  /** The user presses an inline button: a callback_query update, delivered or (`deliver: false`) only built. */
  userPresses(input: { userId: number; messageId: number; data: string; deliver?: boolean }): Promise<{ status: number; updateId: number; callbackQueryId: string; update: Update }>;
  /** Post any update (a replay, a forged secret). */
  deliver(update: Update, options?: { secret?: string | null }): Promise<number>;
  callbackAnswer(id: string): CallbackAnswer | undefined;
  injectRateLimit(method: string, count: number, retryAfter: number): void;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

export async function startFakeTelegram(options: { token?: string; botUsername?: string; port?: number } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:fake-bot-token-for-tests';
  const botId = Number(token.split(':')[0]);
  const state = createState(token, { id: botId, username: options.botUsername ?? 'stageline_test_bot', first_name: 'Stageline' });

  const toMessage = (m: StoredMessage): Message => {
    const from = m.from_id === botId ? { id: botId, is_bot: true, first_name: state.bot.first_name, username: state.bot.username } : { id: m.from_id, is_bot: false, first_name: state.users.get(m.from_id)?.first_name ?? 'user', username: state.users.get(m.from_id)?.username };
    const reply = m.reply_to_message_id === undefined ? undefined : state.messages.find((x) => x.chat_id === m.chat_id && x.message_id === m.reply_to_message_id);
    return {
      message_id: m.message_id,
      date: m.date,
      chat: { id: m.chat_id, type: 'private', first_name: state.users.get(m.chat_id)?.first_name ?? 'user' },
      from,
      text: m.text,
      ...(m.edit_date === undefined ? {} : { edit_date: m.edit_date }),
      ...(m.reply_markup !== undefined && 'inline_keyboard' in m.reply_markup ? { reply_markup: m.reply_markup } : {}),
      ...(reply === undefined ? {} : { reply_to_message: toMessage({ ...reply, reply_to_message_id: undefined }) as Message.TextMessage }),
    } as Message;
  };

  const findMessage = (chatId: number | string, messageId: number) => state.messages.find((m) => m.chat_id === Number(chatId) && m.message_id === messageId);

  const methods: Record<string, { schema: z.ZodType; run(args: never): unknown }> = {
    getMe: { schema: schemas.noArgs, run: () => ({ id: botId, is_bot: true, first_name: state.bot.first_name, username: state.bot.username, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false }) },
    setWebhook: {
      schema: schemas.setWebhook,
      run: (a: z.infer<typeof schemas.setWebhook>) => {
        state.webhook = { url: a.url, ...(a.secret_token === undefined ? {} : { secret_token: a.secret_token }), ...(a.allowed_updates === undefined ? {} : { allowed_updates: a.allowed_updates }) };
        return true;
      },
    },
    deleteWebhook: { schema: schemas.deleteWebhook, run: () => ((state.webhook = null), true) },
    getWebhookInfo: { schema: schemas.noArgs, run: () => ({ url: state.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0, ...(state.webhook?.allowed_updates ? { allowed_updates: state.webhook.allowed_updates } : {}) }) },
    sendMessage: {
      schema: schemas.sendMessage,
      run: (a: z.infer<typeof schemas.sendMessage>) => {
        const chat = Number(a.chat_id);
        if (!state.users.has(chat)) {
          throw new ApiFailure(400, 'Bad Request: chat not found');
        }
        if (a.reply_parameters !== undefined && findMessage(chat, a.reply_parameters.message_id) === undefined) {
          throw new ApiFailure(400, 'Bad Request: message to be replied not found');
        }
        const m: StoredMessage = { message_id: state.nextMessageId++, chat_id: chat, from_id: botId, date: now(), text: a.text, ...(a.reply_markup === undefined ? {} : { reply_markup: a.reply_markup }), ...(a.reply_parameters === undefined ? {} : { reply_to_message_id: a.reply_parameters.message_id }) };
        state.messages.push(m);
        return toMessage(m);
      },
    },
    editMessageText: {
      schema: schemas.editMessageText,
      run: (a: z.infer<typeof schemas.editMessageText>) => {
        const m = findMessage(a.chat_id, a.message_id);
        if (m === undefined || m.from_id !== botId) {
          throw new ApiFailure(400, 'Bad Request: message to edit not found');
        }
        const markup = a.reply_markup;
        if (m.text === a.text && JSON.stringify(m.reply_markup ?? null) === JSON.stringify(markup ?? null)) {
          throw new ApiFailure(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        m.text = a.text;
        // An empty keyboard is no keyboard, as in Telegram's clients.
        if (markup === undefined || markup.inline_keyboard.length === 0) {
          delete m.reply_markup;
        } else {
          m.reply_markup = markup;
        }
        m.edit_date = now();
        return toMessage(m);
      },
    },
    editMessageReplyMarkup: {
      schema: schemas.editMessageReplyMarkup,
      run: (a: z.infer<typeof schemas.editMessageReplyMarkup>) => {
        const m = findMessage(a.chat_id, a.message_id);
        if (m === undefined || m.from_id !== botId) {
          throw new ApiFailure(400, 'Bad Request: message to edit not found');
        }
        if (a.reply_markup === undefined || a.reply_markup.inline_keyboard.length === 0) {
          delete m.reply_markup;
        } else {
          m.reply_markup = a.reply_markup;
        }
        return toMessage(m);
      },
    },
    answerCallbackQuery: {
      schema: schemas.answerCallbackQuery,
      run: (a: z.infer<typeof schemas.answerCallbackQuery>) => {
        if (!issuedQueries.has(a.callback_query_id)) {
          throw new ApiFailure(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        }
        if (state.callbackAnswers.has(a.callback_query_id)) {
          throw new ApiFailure(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        }
        state.callbackAnswers.set(a.callback_query_id, { callback_query_id: a.callback_query_id, ...(a.text === undefined ? {} : { text: a.text }), ...(a.show_alert === undefined ? {} : { show_alert: a.show_alert }) });
        return true;
      },
    },
  };
  const issuedQueries = new Set<string>();

  const server = createServer((req, res) => {
    void (async () => {
      if (req.url?.startsWith('/_fake/') === true && req.method === 'POST') {
        send(res, 200, await control(req.url.slice('/_fake/'.length), (await readJson(req)) as never));
        return;
      }
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url?.split('?')[0] ?? '');
      if (req.method !== 'POST' || match === null) {
        send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      const [, given, method = ''] = match;
      if (given !== token) {
        send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
        return;
      }
      const handler = methods[method];
      if (handler === undefined) {
        state.calls.push({ method, ok: false, error: 'not found' });
        send(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
        return;
      }
      const limit = state.rateLimits.get(method);
      if (limit !== undefined && limit.count > 0) {
        limit.count -= 1;
        state.calls.push({ method, ok: false, error: '429' });
        send(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${limit.retryAfter}`, parameters: { retry_after: limit.retryAfter } });
        return;
      }
      let body: unknown;
      try {
        body = await readJson(req);
      } catch {
        send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
        return;
      }
      const parsed = handler.schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        state.calls.push({ method, ok: false, error: 'invalid' });
        send(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim() });
        return;
      }
      try {
        const result = handler.run(parsed.data as never);
        state.calls.push({ method, ok: true });
        send(res, 200, { ok: true, result });
      } catch (error) {
        if (error instanceof ApiFailure) {
          state.calls.push({ method, ok: false, error: error.description });
          send(res, error.code, { ok: false, error_code: error.code, description: error.description });
          return;
        }
        throw error;
      }
    })().catch(() => send(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function deliver(update: Update, opts: { secret?: string | null } = {}): Promise<number> {
    if (state.webhook === null) {
      throw new Error('no webhook set (setWebhook first)');
    }
    const secret = opts.secret === undefined ? state.webhook.secret_token : opts.secret;
    const res = await fetch(state.webhook.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret == null ? {} : { 'x-telegram-bot-api-secret-token': secret }) }, body: JSON.stringify(update) });
    await res.body?.cancel();
    return res.status;
  }

  // Test control over HTTP (for tests in another process, e.g. the edge's workerd tests).
  const control = async (name: string, arg: never): Promise<unknown> => {
    switch (name) {
      case 'addUser':
        return fake.addUser(arg);
      case 'messages':
        return fake.messages(Number((arg as { chatId: number }).chatId));
      case 'userSends':
        return fake.userSends(arg);
      case 'userPresses':
        return fake.userPresses(arg);
      case 'callbackAnswer':
        return fake.callbackAnswer(String((arg as { id: string }).id)) ?? null;
      case 'injectRateLimit': {
        const a = arg as { method: string; count: number; retryAfter: number };
        fake.injectRateLimit(a.method, a.count, a.retryAfter);
        return true;
      }
      case 'calls':
        return state.calls;
      default:
        return { error: `unknown control ${name}` };
    }
  };

  const fake: FakeTelegram = {
    url,
    token,
    bot: state.bot,
    state,
    addUser({ id, username }) {
      const user = { id, username, first_name: username };
      state.users.set(id, user);
      return user;
    },
    messages: (chatId) => state.messages.filter((m) => m.chat_id === chatId),
    async userSends({ userId, text, replyToMessageId, deliver: send = true }) {
      const m: StoredMessage = { message_id: state.nextMessageId++, chat_id: userId, from_id: userId, date: now(), text, ...(replyToMessageId === undefined ? {} : { reply_to_message_id: replyToMessageId }) };
      state.messages.push(m);
      const updateId = state.nextUpdateId++;
      const update = { update_id: updateId, message: toMessage(m) } as Update;
      return { status: send ? await deliver(update) : 0, updateId, messageId: m.message_id, update };
    },
    async userPresses({ userId, messageId, data, deliver: send = true }) {
      const m = findMessage(userId, messageId);
      if (m === undefined) {
        throw new Error(`no message ${messageId} in chat ${userId}`);
      }
      const user = state.users.get(userId);
      const callbackQueryId = `cq-${state.nextUpdateId}`;
      issuedQueries.add(callbackQueryId);
      const updateId = state.nextUpdateId++;
      const update = { update_id: updateId, callback_query: { id: callbackQueryId, from: { id: userId, is_bot: false, first_name: user?.first_name ?? 'user', username: user?.username }, message: toMessage(m), chat_instance: `ci-${userId}`, data } } as Update;
      return { status: send ? await deliver(update) : 0, updateId, callbackQueryId, update };
    },
    deliver,
    callbackAnswer: (id) => state.callbackAnswers.get(id),
    injectRateLimit(method, count, retryAfter) {
      state.rateLimits.set(method, { count, retryAfter });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

class ApiFailure extends Error {
  readonly code: number;
  readonly description: string;
  constructor(code: number, description: string) {
    super(description);
    this.code = code;
    this.description = description;
  }
}
