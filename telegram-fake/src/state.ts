/**
 * What the fake Bot API remembers: the bot, its webhook, users and their
 * private chats, every message (with its keyboard and edits), and the
 * answers to callback queries. Plain data; server.ts changes it.
 */
import type { InlineKeyboardMarkup, ForceReply } from '@grammyjs/types';

export interface FakeUser {
  id: number;
  username: string;
  first_name: string;
}

export interface StoredMessage {
  message_id: number;
  chat_id: number;
  /** The bot's id for messages the bot sent. */
  from_id: number;
  date: number;
  text: string;
  reply_markup?: InlineKeyboardMarkup | ForceReply;
  reply_to_message_id?: number;
  edit_date?: number;
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
}

export interface FakeTelegramState {
  bot: FakeUser;
  token: string;
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | null;
  users: Map<number, FakeUser>;
  messages: StoredMessage[];
  /** Callback query id → the answer the bot gave (absent: not answered yet). */
  callbackAnswers: Map<string, CallbackAnswer>;
  nextMessageId: number;
  nextUpdateId: number;
  /** Method → remaining answers of 429 with this retry_after. */
  rateLimits: Map<string, { count: number; retryAfter: number }>;
  /** Every Bot API call, in order (method and whether it was accepted). */
  calls: Array<{ method: string; ok: boolean; error?: string }>;
}

export function createState(token: string, bot: FakeUser): FakeTelegramState {
  return { bot, token, webhook: null, users: new Map(), messages: [], callbackAnswers: new Map(), nextMessageId: 1, nextUpdateId: 1000, rateLimits: new Map(), calls: [] };
}
