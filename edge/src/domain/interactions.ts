/**
 * An agent's questions and messages to a person (docs/domain.md §7.5). A
 * decision request puts the run into `waiting_mcp` (`interaction_response`);
 * the agent is told to end its turn, its Job ends and the run parks. The
 * first valid answer (or the deadline, or a cancel) wakes the run as its next
 * attempt with a typed resume payload. Channels (Telegram, the console) call
 * `answerInteraction`; the rules are the policy's `classifyAnswer`. Every
 * state a question takes is also an `inbox.changed` console event, written in
 * the same transaction (notifications never wait in the inbox: none for them).
 */
import { classifyAnswer, type Answer, type AnswerVerdict, type DecisionOption, type ResumePayload } from '@stageline/policy';
import type { Db } from '../db/client.ts';
import { appendFlowEvent } from '../db/flow-event-repo.ts';
import { insertInteraction, lockInteraction, updateInteraction, type InteractionRow } from '../db/interaction-repo.ts';
import { appendInboxChangedEvent } from '../db/realtime-repo.ts';
import { applyChange } from '../db/run-repo.ts';
import { realtimeEffects, type Effect } from './effects.ts';
import { endWait, lockRun } from './run-wait.ts';
import { fanOutQuestion, runContextOf, settleMessages } from './telegram-fanout.ts';

export type AskOutcome = { kind: 'pending'; request: InteractionRow; created: boolean } | { kind: 'delivered'; request: InteractionRow } | { kind: 'busy'; waitingOn: string } | { kind: 'not_running'; status: string };

export interface Ask {
  runId: string;
  kind: 'notify' | 'decision';
  text: string;
  options: DecisionOption[];
  allowFreeText: boolean;
  ttlSeconds: number | null;
  recipientLogin: string | null;
  callKey: string;
}

export async function askPerson(db: Db, ask: Ask, now: Date, consoleUrl: string | null = null): Promise<{ outcome: AskOutcome; effects: Effect[] }> {
  type AskResult = { outcome: AskOutcome; effects: Effect[] };
  return db.transaction(async (tx): Promise<AskResult> => {
    const run = await lockRun(tx, ask.runId);
    if (run === null || (run.status !== 'running' && run.status !== 'waiting_mcp')) {
      return { outcome: { kind: 'not_running', status: run?.status ?? 'missing' }, effects: [] };
    }
    const { row, created } = await insertInteraction(tx, {
      runId: run.id,
      projectId: run.projectId,
      correlationId: run.correlationId,
      kind: ask.kind,
      recipientLogin: ask.recipientLogin,
      text: ask.text,
      options: ask.options,
      allowFreeText: ask.allowFreeText,
      state: ask.kind === 'notify' ? 'delivered' : 'pending',
      deadlineAt: ask.ttlSeconds === null ? null : new Date(now.getTime() + ask.ttlSeconds * 1000),
      callKey: ask.callKey,
    });
    if (!created) {
      return { outcome: row.kind === 'notify' ? { kind: 'delivered', request: row } : { kind: 'pending', request: row, created: false }, effects: [] };
    }
    if (ask.kind === 'decision' && run.status === 'waiting_mcp') {
      // One wait at a time; the question is not asked (the insert is rolled back).
      throw new BusyWait(run.waitTarget ?? '');
    }
    await appendFlowEvent(tx, {
      correlationId: run.correlationId,
      actorType: 'agent',
      actorId: `agent:${run.agentKey}`,
      eventType: ask.kind === 'notify' ? 'interaction.notify.created' : 'interaction.request.created',
      payload: { run_id: run.id, interaction_id: row.id, recipient: ask.recipientLogin, options: ask.options.map((o) => o.id), deadline_at: row.deadlineAt?.toISOString() ?? null },
    });
    const sent = await fanOutQuestion(tx, { ...row, kind: ask.kind }, runContextOf(run, consoleUrl), now);
    if (!sent.reached) {
      // The console is then the only place to answer (an operator's signal).
      await appendFlowEvent(tx, { correlationId: run.correlationId, actorType: 'system', actorId: 'telegram', eventType: 'interaction.recipient_not_bound', payload: { run_id: run.id, interaction_id: row.id, recipient: ask.recipientLogin } });
    }
    if (ask.kind === 'notify') {
      return { outcome: { kind: 'delivered', request: row }, effects: sent.effects };
    }
    const changed = await appendInboxChangedEvent(tx, { kind: 'question', id: row.id, runId: run.id, state: row.state });
    const waited = await applyChange(tx, run, { kind: 'wait_mcp', reason: 'interaction_response', target: row.id, owner: run.leaseOwner ?? '', epoch: run.leaseEpoch }, now, `agent:${run.agentKey}`);
    return { outcome: { kind: 'pending', request: row, created: true }, effects: [...sent.effects, ...realtimeEffects([changed, ...(waited.kind === 'applied' ? waited.events : [])])] };
  }).catch((error: unknown): AskResult => {
    if (error instanceof BusyWait) {
      return { outcome: { kind: 'busy', waitingOn: error.waitingOn }, effects: [] };
    }
    throw error;
  });
}

class BusyWait extends Error {
  readonly waitingOn: string;
  constructor(waitingOn: string) {
    super('the run already waits');
    this.waitingOn = waitingOn;
  }
}

function interactionResume(r: InteractionRow, status: 'answered' | 'expired' | 'cancelled', now: Date): ResumePayload {
  const response = (r.response ?? {}) as { kind?: string; option_id?: string; label?: string; text?: string };
  return {
    kind: 'interaction',
    interaction_id: r.id,
    question: r.text,
    request_status: status,
    response_kind: response.kind === 'option' ? 'option' : response.kind === 'free_text' ? 'free_text' : 'none',
    ...(response.option_id !== undefined ? { selected_option_id: response.option_id, selected_option_label: response.label ?? '' } : {}),
    ...(response.text !== undefined ? { free_text: response.text } : {}),
    resolved_at: now.toISOString(),
  };
}

/** A person's answer from a channel: classified, the first valid one stored, audited, and the run woken. */
export async function answerInteraction(db: Db, input: { interactionId: string; answer: Answer; responder: string; channel: 'telegram' | 'console'; now: Date }): Promise<{ verdict: AnswerVerdict; request: InteractionRow | null; effects: Effect[] }> {
  return db.transaction(async (tx) => {
    const request = await lockInteraction(tx, input.interactionId);
    if (request === null) {
      return { verdict: { kind: 'invalid', reason: 'no such question' } as AnswerVerdict, request: null, effects: [] };
    }
    const verdict = classifyAnswer({ kind: request.kind, state: request.state, deadlineAt: request.deadlineAt, options: request.options, allowFreeText: request.allowFreeText, respondedBy: request.respondedBy }, input.answer, input.now);
    if (verdict.kind !== 'applied') {
      return { verdict, request, effects: [] };
    }
    const updated = await updateInteraction(tx, request.id, 'pending', { state: 'answered', response: verdict.response, respondedBy: input.responder, channel: input.channel, answeredAt: input.now });
    if (updated === null) {
      return { verdict: { kind: 'stale', state: request.state, respondedBy: request.respondedBy } as AnswerVerdict, request, effects: [] };
    }
    await appendFlowEvent(tx, {
      correlationId: request.correlationId,
      actorType: 'human',
      actorId: input.responder,
      eventType: 'interaction.response.applied',
      // The free text itself is the answer the run gets, not audit material.
      payload: { run_id: request.runId, interaction_id: request.id, channel: input.channel, response_kind: verdict.response.kind, option_id: verdict.response.kind === 'option' ? verdict.response.option_id : null },
    });
    const changed = await appendInboxChangedEvent(tx, { kind: 'question', id: request.id, runId: request.runId, state: updated.state });
    const shown = verdict.response.kind === 'option' ? `✅ ${verdict.response.label}` : `✍️ ${verdict.response.text}`;
    const settled = await settleMessages(tx, { refId: request.id, head: `❓ ${request.text}`, outcome: shown, by: input.responder, now: input.now });
    const effects = await endWait(tx, { runId: request.runId, target: request.id, payload: interactionResume(updated, 'answered', input.now), now: input.now, actorId: input.responder });
    return { verdict, request: updated, effects: [...realtimeEffects([changed]), ...settled, ...effects] };
  });
}

/** A question past its deadline: expired, and the run wakes with `request_status: expired`. */
export async function expireInteraction(db: Db, interactionId: string, now: Date): Promise<Effect[]> {
  return db.transaction(async (tx) => {
    const request = await lockInteraction(tx, interactionId);
    if (request === null || request.state !== 'pending' || request.deadlineAt === null || request.deadlineAt.getTime() > now.getTime()) {
      return [];
    }
    const updated = await updateInteraction(tx, request.id, 'pending', { state: 'expired', answeredAt: now });
    if (updated === null) {
      return [];
    }
    await appendFlowEvent(tx, { correlationId: request.correlationId, actorType: 'system', actorId: 'system:expiry', eventType: 'interaction.expired', payload: { run_id: request.runId, interaction_id: request.id } });
    const changed = await appendInboxChangedEvent(tx, { kind: 'question', id: request.id, runId: request.runId, state: updated.state });
    const settled = await settleMessages(tx, { refId: request.id, head: `❓ ${request.text}`, outcome: '⌛ Expired, no answer', by: null, now });
    return [...realtimeEffects([changed]), ...settled, ...(await endWait(tx, { runId: request.runId, target: request.id, payload: interactionResume(updated, 'expired', now), now, actorId: 'system:expiry' }))];
  });
}
