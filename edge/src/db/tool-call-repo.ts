import { runToolCalls } from '@stageline/db';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export interface ToolCallKey {
  runId: string;
  tool: string;
  key: string;
}

export async function findToolCall(db: DbOrTx, k: ToolCallKey): Promise<unknown> {
  const [row] = await db
    .select({ result: runToolCalls.result })
    .from(runToolCalls)
    .where(and(eq(runToolCalls.runId, k.runId), eq(runToolCalls.tool, k.tool), eq(runToolCalls.key, k.key)));
  return row?.result;
}

/** Store a call's result; false when the same call was stored first (the caller then returns that one). */
export async function storeToolCall(db: DbOrTx, k: ToolCallKey, result: unknown): Promise<boolean> {
  const rows = await db.insert(runToolCalls).values({ ...k, result }).onConflictDoNothing().returning({ key: runToolCalls.key });
  return rows.length > 0;
}
