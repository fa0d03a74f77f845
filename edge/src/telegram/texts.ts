/**
 * What the bot writes (docs/domain.md §7.6), built without I/O: a question
 * with one button per option and "Own answer", an approval request with
 * Approve / Deny, and the edits that replace the buttons with the outcome.
 */
import type { InlineKeyboardMarkup } from 'grammy/types';
import { encodeButton } from './callback-data.ts';

export interface QuestionView {
  id: string;
  text: string;
  options: ReadonlyArray<{ id: string; label: string }>;
  allowFreeText: boolean;
  repository: string;
  issueNumber: number | null;
  runUrl: string | null;
  deadlineAt: Date | null;
}

const context = (repository: string, issueNumber: number | null, runUrl: string | null): string =>
  [`${repository}${issueNumber === null ? '' : ` #${issueNumber}`}`, runUrl].filter((s) => s !== null && s !== '').join('\n');

export function questionMessage(q: QuestionView): { text: string; reply_markup: InlineKeyboardMarkup } {
  const rows = q.options.map((o) => [{ text: o.label, callback_data: encodeButton({ kind: 'option', id: q.id, optionId: o.id }) }]);
  if (q.allowFreeText) {
    rows.push([{ text: '✍️ Own answer', callback_data: encodeButton({ kind: 'free_text', id: q.id }) }]);
  }
  const deadline = q.deadlineAt === null ? '' : `\nAnswer by ${q.deadlineAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
  return { text: `❓ ${q.text}\n\n${context(q.repository, q.issueNumber, q.runUrl)}${deadline}`.slice(0, 4096), reply_markup: { inline_keyboard: rows } };
}

export function notifyMessage(text: string, repository: string, issueNumber: number | null, runUrl: string | null): { text: string } {
  return { text: `ℹ️ ${text}\n\n${context(repository, issueNumber, runUrl)}`.slice(0, 4096) };
}

export interface ApprovalView {
  id: string;
  tool: string;
  action: string;
  target: string;
  justification: string | null;
  mode: string;
  repository: string;
  issueNumber: number | null;
  runUrl: string | null;
}

export function approvalMessage(a: ApprovalView): { text: string; reply_markup: InlineKeyboardMarkup } {
  const why = a.justification === null || a.justification === '' ? '' : `\nWhy: ${a.justification}`;
  return {
    text: `🔐 Approval needed (${a.mode}): ${a.tool} ${a.action}\nTarget: ${a.target}${why}\n\n${context(a.repository, a.issueNumber, a.runUrl)}`.slice(0, 4096),
    reply_markup: { inline_keyboard: [[{ text: '✅ Approve', callback_data: encodeButton({ kind: 'approval', id: a.id, approve: true }) }, { text: '⛔ Deny', callback_data: encodeButton({ kind: 'approval', id: a.id, approve: false }) }]] },
  };
}

const when = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');

/** The original message once settled: its first line kept, the outcome below, no buttons. */
export function settledText(original: string, outcome: string, by: string | null, at: Date): string {
  const head = original.split('\n')[0] ?? '';
  return `${head}\n\n${outcome}${by === null ? '' : ` — ${by}`}, ${when(at)} UTC`.slice(0, 4096);
}

export const FREE_TEXT_PROMPT = 'Type your answer as a reply to this message.';
