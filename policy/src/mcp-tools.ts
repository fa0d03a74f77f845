/**
 * The tools the edge's MCP server offers a run (docs/domain.md §6.2), by the
 * names the coding agent sees, each tied to the token scope entry that
 * grants it (run-tools.ts). `tools/list` shows a run exactly
 * `mcpToolsFor(scope)` and `tools/call` re-checks the same list, so a tool
 * outside the token's scope neither appears nor runs.
 */
import type { RunTool } from './run-tools.ts';

export const MCP_TOOLS = [
  { name: 'run_context', grant: 'get-run', writes: false },
  { name: 'issue_comments_read', grant: 'get-run', writes: false },
  { name: 'pull_request_get', grant: 'get-run', writes: false },
  { name: 'run_status_report', grant: 'report-status', writes: true },
  { name: 'labels_transition', grant: 'transition-labels', writes: true },
  { name: 'secret_sync', grant: 'sync-secret', writes: true },
  { name: 'database_lifecycle', grant: 'manage-database', writes: true },
  { name: 'approval_status', grant: 'get-approval', writes: false },
  { name: 'user_notify', grant: 'notify-user', writes: true },
  { name: 'user_decision_request', grant: 'request-decision', writes: true },
] as const satisfies ReadonlyArray<{ name: string; grant: RunTool; writes: boolean }>;

export type McpToolName = (typeof MCP_TOOLS)[number]['name'];

/**
 * @example mcpToolsFor(['get-run']) // ['run_context', 'issue_comments_read', 'pull_request_get']
 */
export function mcpToolsFor(scope: readonly RunTool[]): McpToolName[] {
  const granted = new Set(scope);
  return MCP_TOOLS.filter((tool) => granted.has(tool.grant)).map((tool) => tool.name);
}

/** Labels the agent may set or remove at the end of its run (docs/domain.md §6.3). */
export const AGENT_SETTABLE_LABELS = ['state:in-review', 'need:reviewer'] as const;
