/**
 * Which Telegram messages a request makes (docs/domain.md §7.6), queued in
 * the request's own transaction: a question to its recipient, an approval to
 * the project's bound members who may decide it, and, once settled, an edit
 * of every message that stood for it (buttons gone, the outcome shown). No
 * binding, no message: the console stays the fallback.
 */
import type { DbOrTx } from '../db/client.ts';
import { bindingOfLogin, boundMembers, queueSettleEdits, queueTelegram } from '../db/telegram-repo.ts';
import { approvalMessage, notifyMessage, questionMessage, settledText } from '../telegram/texts.ts';
import { telegramEffects, type Effect } from './effects.ts';

export interface RunContext {
  repository: string;
  issueNumber: number | null;
  runUrl: string | null;
}

/** Where a run is, for the messages' context lines. */
export function runContextOf(run: { id: string; repositoryFullName: string; issueNumber: number | null }, consoleUrl: string | null | undefined): RunContext {
  return { repository: run.repositoryFullName, issueNumber: run.issueNumber, runUrl: consoleUrl == null ? null : `${consoleUrl}/runs/${run.id}` };
}

const deliver = telegramEffects;

export async function fanOutQuestion(tx: DbOrTx, q: { id: string; kind: 'notify' | 'decision'; text: string; options: ReadonlyArray<{ id: string; label: string }>; allowFreeText: boolean; deadlineAt: Date | null; recipientLogin: string | null }, ctx: RunContext, now: Date): Promise<{ effects: Effect[]; reached: boolean }> {
  const binding = q.recipientLogin === null ? null : await bindingOfLogin(tx, q.recipientLogin);
  if (binding === null) {
    return { effects: [], reached: false };
  }
  const payload = q.kind === 'notify' ? notifyMessage(q.text, ctx.repository, ctx.issueNumber, ctx.runUrl) : questionMessage({ ...q, ...ctx });
  const ids = await queueTelegram(tx, [{ method: 'sendMessage', chatId: binding.chatId, payload: payload as unknown as Record<string, unknown>, kind: q.kind === 'notify' ? 'notice' : 'interaction', refId: q.id }], now);
  return { effects: deliver(ids), reached: true };
}

export async function fanOutApproval(tx: DbOrTx, a: { id: string; projectId: string | null; tool: string; action: string; mode: string; target: string; justification: string | null }, ctx: RunContext, now: Date): Promise<Effect[]> {
  if (a.projectId === null) {
    return [];
  }
  // Who may decide (policy mayDecide): admins always, read_write members for `delegated`.
  const members = await boundMembers(tx, a.projectId, a.mode === 'delegated' ? ['admin', 'read_write'] : ['admin']);
  const message = approvalMessage({ ...a, ...ctx });
  const ids = await queueTelegram(tx, members.map((m) => ({ method: 'sendMessage' as const, chatId: m.chatId, payload: message as unknown as Record<string, unknown>, kind: 'approval' as const, refId: a.id })), now);
  return deliver(ids);
}

/** Replace the buttons of every message of this request with its outcome. */
export async function settleMessages(tx: DbOrTx, input: { refId: string; head: string; outcome: string; by: string | null; now: Date }): Promise<Effect[]> {
  return deliver(await queueSettleEdits(tx, input.refId, settledText(input.head, input.outcome, input.by, input.now), input.now));
}
