import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { appendFlowEvent } from '../../db/flow-event-repo.ts';
import { appendRunStatusEvent } from '../../db/realtime-repo.ts';
import { findRunRow, updateRunProgress } from '../../db/runner-progress-repo.ts';
import { findToolCall, storeToolCall } from '../../db/tool-call-repo.ts';
import { githubEffects, realtimeEffects, type Effect } from '../../domain/effects.ts';
import { PROGRESS_EDIT_SPACING_MS } from '../../domain/runner-progress.ts';
import { statusCommentEffect } from '../../domain/status-effects.ts';
import { toolResult, type ToolDeps } from '../deps.ts';

/** The status comment shows this many of the agent's last lines. */
export const STATUS_LINES_KEPT = 3;

/** `run_status_report`: one line for the people watching; shown in the status comment, idempotent on `key`. */
export function registerRunStatusReport(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'run_status_report',
    {
      description: 'Report progress in one short line; the issue status comment shows the last few lines. Repeating a call with the same key does nothing.',
      inputSchema: { text: z.string().min(1).max(500), key: z.string().min(1).max(100).optional() },
    },
    async ({ text, key }) => {
      const callKey = key ?? text;
      const toolKey = { runId: deps.run.id, tool: 'run_status_report', key: callKey };
      const effects: Effect[] = [];
      const result = await deps.db.transaction(async (tx) => {
        const earlier = await findToolCall(tx, toolKey);
        if (earlier !== undefined) {
          return earlier as Record<string, unknown>;
        }
        const run = await findRunRow(tx, deps.run.id);
        if (run === null) {
          return { recorded: false };
        }
        const now = deps.now();
        const line = text.replace(/\s+/g, ' ').trim();
        const lines = [...run.statusLines, line].slice(-STATUS_LINES_KEPT);
        const show = run.progressShownAt === null || now.getTime() - run.progressShownAt.getTime() >= PROGRESS_EDIT_SPACING_MS;
        const updated = await updateRunProgress(tx, run.id, { statusLines: lines, ...(show ? { progressShownAt: now } : {}) }, now);
        await appendFlowEvent(tx, { correlationId: run.correlationId, actorType: 'agent', actorId: run.id, eventType: 'agent.status_report', payload: { run_id: run.id, text: line } });
        if (updated !== null) {
          effects.push(...realtimeEffects([await appendRunStatusEvent(tx, updated)]));
          if (show) {
            effects.push(...githubEffects([statusCommentEffect(updated, deps.consoleUrl)]));
          }
        }
        const stored = { recorded: true, shown_in_comment: show };
        await storeToolCall(tx, toolKey, stored);
        return stored;
      });
      deps.emit(effects);
      return toolResult(result);
    },
  );
}
