import { flowEvents } from '@stageline/db';
import type { DbOrTx } from './client.ts';

export interface FlowEventInput {
  correlationId: string;
  actorType: 'system' | 'agent' | 'human';
  actorId: string;
  eventType: string;
  payload: Record<string, unknown>;
}

/** Append to the audit log (docs/domain.md §3.11); always inside the change's transaction. */
export async function appendFlowEvent(tx: DbOrTx, event: FlowEventInput): Promise<void> {
  await tx.insert(flowEvents).values(event);
}
