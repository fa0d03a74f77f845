/**
 * The bot's side of a Telegram update (docs/domain.md §7.6), on grammY: a
 * `/link <code>` binds the Telegram user to a GitHub login; a press on a
 * question's or approval's button answers or decides it, if the presser is
 * bound to someone entitled; "Own answer" asks for a reply (ForceReply), and
 * the reply answers. Every press gets `answerCallbackQuery` at once, with the
 * outcome or why it does not count. Messages go through the durable outbox.
 * Each update id is handled once.
 */
import type { DeciderRole } from '@stageline/policy';
import { Bot, type Context } from 'grammy/web';
import { findApproval } from '../db/approval-repo.ts';
import type { Db } from '../db/client.ts';
import { findInteraction } from '../db/interaction-repo.ts';
import { bindingOfUser, bindTelegram, botMessage, claimUpdate, updateSeen, projectRole, queueTelegram, spendLinkCode } from '../db/telegram-repo.ts';
import { decideApproval, type ApprovalKeys, type DecideError } from '../domain/approvals.ts';
import type { Effect } from '../domain/effects.ts';
import { answerInteraction } from '../domain/interactions.ts';
import { sha256Hex } from '../lib/crypto.ts';
import type { Logger } from '../lib/log.ts';
import { decodeButton } from './callback-data.ts';
import type { TelegramSettings } from './outbox.ts';
import { FREE_TEXT_PROMPT } from './texts.ts';

export interface BotDeps {
  db: Db;
  settings: TelegramSettings;
  approvals: ApprovalKeys;
  now: () => Date;
  emit(effects: readonly Effect[]): void;
  log: Logger;
}

const sameLogin = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

/** A one-way message through the outbox (replies are not made inside the webhook call). */
async function say(deps: BotDeps, chatId: number, text: string, extra: { kind?: 'free_text_prompt'; refId?: string; reply_markup?: unknown; reply_to?: number } = {}): Promise<void> {
  const payload: Record<string, unknown> = { text, ...(extra.reply_markup === undefined ? {} : { reply_markup: extra.reply_markup }) };
  const ids = await queueTelegram(deps.db, [{ method: 'sendMessage', chatId, payload, kind: extra.kind ?? 'notice', refId: extra.refId ?? null }], deps.now());
  deps.emit([{ kind: 'telegram_deliver', ids }]);
}

async function roleOf(deps: BotDeps, projectId: string | null, login: string): Promise<DeciderRole | null> {
  if (projectId === null) {
    return null;
  }
  return projectRole(deps.db, projectId, login);
}

async function onPress(ctx: Context, deps: BotDeps): Promise<void> {
  const query = ctx.callbackQuery;
  if (query?.data === undefined) {
    return;
  }
  const answer = (text: string, alert = false) => ctx.answerCallbackQuery({ text, ...(alert ? { show_alert: true } : {}) });
  const data = decodeButton(query.data);
  if (data === null) {
    await answer('This button is not valid.', true);
    return;
  }
  const binding = await bindingOfUser(deps.db, query.from.id);
  if (binding === null) {
    await answer('Link your Telegram account in the Stageline console first (/link <code>).', true);
    return;
  }
  const login = binding.githubLogin;
  const now = deps.now();
  if (data.kind === 'approval') {
    const request = await findApproval(deps.db, data.id);
    const role = request === null ? null : await roleOf(deps, request.projectId, login);
    if (request === null || role === null) {
      await answer('You may not decide this request.', true);
      return;
    }
    const result = await decideApproval(deps.db, { requestId: request.id, role, event: { kind: 'decide', decision: data.approve ? 'approved' : 'denied', actor: `telegram:${login}`, channel: 'telegram', reason: null } }, deps.approvals, now);
    if (result.ok) {
      deps.emit(result.effects);
      await answer(data.approve ? 'Approved.' : 'Denied.');
      return;
    }
    const e = result.error;
    await answer(refusalText(e), true);
    return;
  }
  const question = await findInteraction(deps.db, data.id);
  if (question === null || !sameLogin(question.recipientLogin, login)) {
    await answer(question === null ? 'This question no longer exists.' : `This question is for @${question.recipientLogin ?? '?'}.`, true);
    return;
  }
  if (data.kind === 'free_text') {
    if (question.state !== 'pending' || !question.allowFreeText) {
      await answer(question.state === 'pending' ? 'This question takes one of its options only.' : 'This question is no longer open.', true);
      return;
    }
    await answer('Type your answer as a reply.');
    await say(deps, binding.chatId, `${FREE_TEXT_PROMPT}\n\n❓ ${question.text}`, { kind: 'free_text_prompt', refId: question.id, reply_markup: { force_reply: true, input_field_placeholder: 'Your answer', selective: true } });
    return;
  }
  const result = await answerInteraction(deps.db, { interactionId: question.id, answer: { kind: 'option', optionId: data.optionId }, responder: login, channel: 'telegram', now });
  deps.emit(result.effects);
  const v = result.verdict;
  await answer(v.kind === 'applied' ? 'Received.' : v.kind === 'stale' ? `Already answered by @${v.respondedBy ?? '?'}.` : v.kind === 'expired' ? 'This question expired.' : `Not accepted: ${v.reason}.`, v.kind !== 'applied');
}

async function onText(ctx: Context, deps: BotDeps): Promise<void> {
  const message = ctx.message;
  const from = ctx.from;
  if (message?.text === undefined || from === undefined || ctx.chat?.type !== 'private') {
    return;
  }
  const link = /^\/(?:start|link)(?:@\w+)?\s+([A-Za-z0-9_-]{8,64})\s*$/.exec(message.text);
  if (link !== null) {
    const login = await spendLinkCode(deps.db, await sha256Hex(link[1] ?? ''), deps.now());
    if (login === null) {
      await say(deps, ctx.chat.id, 'This code is not valid: unknown, already used or expired. Get a new one in the Stageline console.');
      return;
    }
    await bindTelegram(deps.db, { githubLogin: login, telegramUserId: from.id, chatId: ctx.chat.id, now: deps.now() });
    deps.log.info('telegram linked', { telegramUserId: from.id, login });
    await say(deps, ctx.chat.id, `Linked to GitHub @${login}. Questions and approvals for you will arrive here.`);
    return;
  }
  const replyTo = message.reply_to_message?.message_id;
  const prompt = replyTo === undefined ? null : await botMessage(deps.db, ctx.chat.id, replyTo);
  if (prompt === null || prompt.kind !== 'free_text_prompt') {
    await say(deps, ctx.chat.id, 'To answer a question, press one of its buttons, or "Own answer" and reply to the prompt.');
    return;
  }
  const binding = await bindingOfUser(deps.db, from.id);
  const question = await findInteraction(deps.db, prompt.refId);
  if (binding === null || question === null || !sameLogin(question.recipientLogin, binding.githubLogin)) {
    await say(deps, ctx.chat.id, 'This answer is not accepted: the question is not yours.');
    return;
  }
  const result = await answerInteraction(deps.db, { interactionId: question.id, answer: { kind: 'free_text', text: message.text }, responder: binding.githubLogin, channel: 'telegram', now: deps.now() });
  deps.emit(result.effects);
  const v = result.verdict;
  await say(deps, ctx.chat.id, v.kind === 'applied' ? 'Received; the agent continues with your answer.' : v.kind === 'stale' ? `No longer accepted: already answered by @${v.respondedBy ?? '?'}.` : v.kind === 'expired' ? 'No longer accepted: the question expired.' : `Not accepted: ${v.reason}.`);
}

export function createBot(deps: BotDeps): Bot {
  const { settings } = deps;
  const id = Number(settings.token.split(':')[0]);
  const bot = new Bot(settings.token, {
    botInfo: { id, is_bot: true, first_name: 'Stageline', username: settings.botUsername, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false } as never,
    client: { apiRoot: settings.apiRoot, canUseWebhookReply: () => false },
  });
  // Telegram retries what it believes failed: an update id is handled once. It is marked
  // after the handling, so an update whose handling failed (a 500) is handled on the retry.
  bot.use(async (ctx, next) => {
    if (await updateSeen(deps.db, ctx.update.update_id)) {
      return;
    }
    await next();
    await claimUpdate(deps.db, ctx.update.update_id, deps.now());
  });
  bot.on('callback_query:data', (ctx) => onPress(ctx, deps));
  bot.on('message:text', (ctx) => onText(ctx, deps));
  bot.catch((error) => {
    deps.log.error('telegram update failed', { updateId: error.ctx.update.update_id, error: error.error });
    throw error.error;
  });
  return bot;
}

/** Why a press on an approval's button changed nothing. */
function refusalText(e: DecideError): string {
  switch (e.kind) {
    case 'already_decided':
      return e.request.state === 'withdrawn' ? 'This request was withdrawn: its run ended.' : `Already decided by ${e.request.decidedBy ?? 'someone'} (${e.request.state}).`;
    case 'expired':
      return 'This request expired.';
    case 'forbidden':
      return 'You may not decide this request.';
    case 'not_found':
      return 'This request no longer exists.';
  }
}
