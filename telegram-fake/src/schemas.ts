/**
 * Run-time checks of the Bot API requests the fake serves. Each schema's
 * output is checked at compile time against `Opts` of `@grammyjs/types`, so
 * a request the fake accepts is one the real API's description allows, and
 * a field the edge sends that the description does not know fails the test.
 */
import type { Opts } from '@grammyjs/types';
import { z } from 'zod';

type O = Opts<never>;
/** Compile-time: every field the schema allows exists, with a compatible type, in the official parameters. */
type Field<S extends z.ZodType, M extends keyof O, K extends keyof z.infer<S>> = K extends keyof O[M] ? (NonNullable<z.infer<S>[K]> extends NonNullable<O[M][K]> ? true : K) : K;
/** `true`, or the names of the fields that are unknown to the official parameters or of a wrong type. */
type Fits<S extends z.ZodType, M extends keyof O> = Exclude<{ [K in keyof z.infer<S>]-?: Field<S, M, K> }[keyof z.infer<S>], true> extends never ? true : Exclude<{ [K in keyof z.infer<S>]-?: Field<S, M, K> }[keyof z.infer<S>], true>;

const chatId = z.union([z.number().int(), z.string().min(1)]);
// callback_data is 1-64 bytes (not characters).
const callbackData = z.string().refine((d) => { const n = new TextEncoder().encode(d).length; return n >= 1 && n <= 64; }, 'callback_data must be 1-64 bytes');
const inlineButton = z.union([z.strictObject({ text: z.string().min(1), callback_data: callbackData }), z.strictObject({ text: z.string().min(1), url: z.url() })]);
const inlineKeyboard = z.strictObject({ inline_keyboard: z.array(z.array(inlineButton).min(1).max(8)).max(100) });
const forceReply = z.strictObject({ force_reply: z.literal(true), input_field_placeholder: z.string().min(1).max(64).optional(), selective: z.boolean().optional() });
const replyParameters = z.strictObject({ message_id: z.number().int(), chat_id: chatId.optional(), allow_sending_without_reply: z.boolean().optional() });

export const sendMessage = z.strictObject({
  chat_id: chatId,
  text: z.string().min(1).max(4096),
  parse_mode: z.enum(['HTML', 'MarkdownV2', 'Markdown']).optional(),
  link_preview_options: z.strictObject({ is_disabled: z.boolean().optional() }).optional(),
  disable_notification: z.boolean().optional(),
  reply_parameters: replyParameters.optional(),
  reply_markup: z.union([inlineKeyboard, forceReply]).optional(),
});
export const editMessageText = z.strictObject({
  chat_id: chatId,
  message_id: z.number().int(),
  text: z.string().min(1).max(4096),
  parse_mode: z.enum(['HTML', 'MarkdownV2', 'Markdown']).optional(),
  link_preview_options: z.strictObject({ is_disabled: z.boolean().optional() }).optional(),
  reply_markup: inlineKeyboard.optional(),
});
export const editMessageReplyMarkup = z.strictObject({ chat_id: chatId, message_id: z.number().int(), reply_markup: inlineKeyboard.optional() });
export const answerCallbackQuery = z.strictObject({ callback_query_id: z.string().min(1), text: z.string().max(200).optional(), show_alert: z.boolean().optional(), cache_time: z.number().int().min(0).optional() });
export const setWebhook = z.strictObject({
  url: z.string(),
  secret_token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/)
    .optional(),
  allowed_updates: z.array(z.enum(['message', 'edited_message', 'callback_query', 'my_chat_member', 'inline_query'])).optional(),
  drop_pending_updates: z.boolean().optional(),
  max_connections: z.number().int().min(1).max(100).optional(),
});
export const deleteWebhook = z.strictObject({ drop_pending_updates: z.boolean().optional() });
export const noArgs = z.strictObject({});

// The compile-time half of the check (a `never` here fails `tsc`).
export const FITS: [
  Fits<typeof sendMessage, 'sendMessage'>,
  Fits<typeof editMessageText, 'editMessageText'>,
  Fits<typeof editMessageReplyMarkup, 'editMessageReplyMarkup'>,
  Fits<typeof answerCallbackQuery, 'answerCallbackQuery'>,
  Fits<typeof setWebhook, 'setWebhook'>,
  Fits<typeof deleteWebhook, 'deleteWebhook'>,
] = [true, true, true, true, true, true];
