import { AGENT_SETTABLE_LABELS } from '@stageline/policy';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { appendFlowEvent } from '../../db/flow-event-repo.ts';
import { findToolCall, storeToolCall } from '../../db/tool-call-repo.ts';
import { githubEffects, type Effect } from '../../domain/effects.ts';
import type { GitHubEffect } from '../../domain/github-port.ts';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

const SETTABLE: readonly string[] = AGENT_SETTABLE_LABELS;

/**
 * `labels_transition`: the end-of-run label change of docs/domain.md §6.3.
 * The agent may add `state:in-review` / `need:reviewer` and remove its own
 * trigger label; a `run:*` label is recorded as a request for the owner (the
 * approvals flow gates it) and not set; anything else is refused.
 */
export function registerLabelsTransition(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'labels_transition',
    {
      description: `End-of-run label change: add any of ${SETTABLE.join(', ')}; remove_trigger removes the label that started this run; a run:* label in add is recorded as a request for the owner.`,
      inputSchema: { add: z.array(z.string().min(1).max(100)).max(5).default([]), remove_trigger: z.boolean().default(false) },
    },
    async ({ add, remove_trigger: removeTrigger }) => {
      const issue = deps.spec.issue;
      const repo = deps.repo;
      if (issue === null || repo === null) {
        return toolError('this run has no issue on GitHub');
      }
      const refused = add.filter((l) => !SETTABLE.includes(l) && !l.startsWith('run:'));
      if (refused.length > 0) {
        return toolError(`labels not allowed: ${refused.join(', ')}; allowed: ${SETTABLE.join(', ')} (run:* is recorded as a request)`);
      }
      const setNow = [...new Set(add.filter((l) => SETTABLE.includes(l)))].sort();
      const requested = [...new Set(add.filter((l) => l.startsWith('run:')))].sort();
      const toolKey = { runId: deps.run.id, tool: 'labels_transition', key: JSON.stringify({ setNow, requested, removeTrigger }) };
      const thread = { kind: 'issue' as const, number: issue.number };
      const effects: Effect[] = [];
      const result = await deps.db.transaction(async (tx) => {
        const earlier = await findToolCall(tx, toolKey);
        if (earlier !== undefined) {
          return earlier as Record<string, unknown>;
        }
        const writes: GitHubEffect[] = [];
        if (setNow.length > 0) {
          writes.push({ kind: 'add_labels', key: `labels:${deps.run.id}:add:${setNow.join(',')}`, thread, labels: setNow });
        }
        if (removeTrigger) {
          writes.push({ kind: 'remove_label', key: `labels:${deps.run.id}:remove:${deps.spec.stage.trigger_label}`, thread, label: deps.spec.stage.trigger_label });
        }
        effects.push(...githubEffects([{ repo: { installationId: repo.installationId, repositoryId: repo.repositoryId, fullName: deps.spec.repository.full_name }, effects: writes }]));
        await appendFlowEvent(tx, {
          correlationId: deps.run.correlationId,
          actorType: 'agent',
          actorId: deps.run.id,
          eventType: 'agent.labels_transition',
          payload: { run_id: deps.run.id, add: setNow, removed_trigger: removeTrigger, requested_stages: requested },
        });
        const stored = { added: setNow, removed: removeTrigger ? [deps.spec.stage.trigger_label] : [], requested_for_owner: requested };
        await storeToolCall(tx, toolKey, stored);
        return stored;
      });
      deps.emit(effects);
      return toolResult(result);
    },
  );
}
