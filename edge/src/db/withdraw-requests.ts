/**
 * A run that ended (canceled, failed, timed out, or done) can no longer use
 * an approval or an answer: its undecided approval requests are withdrawn and
 * its pending questions cancelled, in the transaction that ended it, so the
 * inbox stops offering them and every channel refuses a later decision
 * (docs/domain.md §7.2). Each change is audited and is an `inbox.changed`
 * event, and every Telegram message that offered one is edited: its buttons
 * go and it says why (the ids of those queued calls are returned).
 *
 * Lock order: the caller holds the run; a decision holds its request and then
 * wants the run. Requests locked by a decision in flight are skipped (SKIP
 * LOCKED) instead of waited for, so the two never deadlock: that decision
 * settles its request itself.
 */
import { approvalRequests, interactionRequests } from '@stageline/db';
import { transitionApproval } from '@stageline/policy';
import { and, eq } from 'drizzle-orm';
import { updateApproval } from './approval-repo.ts';
import type { DbOrTx } from './client.ts';
import { appendFlowEvent } from './flow-event-repo.ts';
import { updateInteraction } from './interaction-repo.ts';
import { appendInboxChangedEvent, type RealtimeEvent } from './realtime-repo.ts';
import type { RunRow } from './run-dto.ts';
import { queueSettleEdits } from './telegram-repo.ts';
import { settledText } from '../telegram/texts.ts';

export interface Withdrawn {
  events: RealtimeEvent[];
  /** Queued Telegram edits (buttons removed) to deliver after the commit. */
  telegramCalls: string[];
}

export async function withdrawOpenRequests(tx: DbOrTx, run: Pick<RunRow, 'id' | 'correlationId'>, reason: string, now: Date): Promise<Withdrawn> {
  const events: RealtimeEvent[] = [];
  const telegramCalls: string[] = [];
  const approvals = await tx
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.runId, run.id), eq(approvalRequests.state, 'requested')))
    .for('update', { skipLocked: true });
  for (const request of approvals) {
    const result = transitionApproval({ state: request.state, expiresAt: request.expiresAt, decidedBy: request.decidedBy }, { kind: 'withdraw', reason }, now);
    if (!result.ok) {
      continue;
    }
    const c = result.change;
    const updated = await updateApproval(tx, request.id, request.state, { state: c.state, decidedBy: c.decidedBy ?? null, decisionChannel: c.channel ?? null, decisionReason: c.reason ?? null, decidedAt: now }, now);
    if (updated === null) {
      continue;
    }
    await appendFlowEvent(tx, {
      correlationId: run.correlationId,
      actorType: 'system',
      actorId: c.decidedBy ?? 'system',
      eventType: c.eventType,
      payload: { run_id: run.id, request_id: request.id, tool_name: request.tool, action: request.action, approval_state: c.state, reason },
    });
    events.push(await appendInboxChangedEvent(tx, { kind: 'approval', id: request.id, runId: run.id, state: c.state }));
    telegramCalls.push(...(await queueSettleEdits(tx, request.id, settledText(`🔐 ${request.tool} ${request.action}`, `↩️ Withdrawn: ${reason}`, null, now), now)));
  }
  const questions = await tx
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.runId, run.id), eq(interactionRequests.state, 'pending')))
    .for('update', { skipLocked: true });
  for (const question of questions) {
    const updated = await updateInteraction(tx, question.id, 'pending', { state: 'cancelled' });
    if (updated === null) {
      continue;
    }
    await appendFlowEvent(tx, {
      correlationId: run.correlationId,
      actorType: 'system',
      actorId: 'system:run_ended',
      eventType: 'interaction.cancelled',
      payload: { run_id: run.id, interaction_id: question.id, reason },
    });
    events.push(await appendInboxChangedEvent(tx, { kind: 'question', id: question.id, runId: run.id, state: 'cancelled' }));
    telegramCalls.push(...(await queueSettleEdits(tx, question.id, settledText(`❓ ${question.text}`, `↩️ Cancelled: ${reason}`, null, now), now)));
  }
  return { events, telegramCalls };
}
