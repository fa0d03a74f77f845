/**
 * The edge's MCP server for one request (stateless Streamable HTTP): a fresh
 * server that registers only the calling run's tools (policy `mcpToolsFor`
 * over the token's scope), so `tools/list` shows exactly those and a
 * `tools/call` for anything else is "not found". JSON Schema checks run on
 * `@cfworker/json-schema`: Ajv compiles code at run time, which deployed
 * Workers refuse.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import { mcpToolsFor, POLICY_VERSION, type McpToolName } from '@stageline/policy';
import type { ToolDeps } from './deps.ts';
import { registerIssueCommentsRead } from './tools/issue-comments-read.ts';
import { registerLabelsTransition } from './tools/labels-transition.ts';
import { registerPullRequestGet } from './tools/pull-request-get.ts';
import { registerRunContext } from './tools/run-context.ts';
import { registerRunStatusReport } from './tools/run-status-report.ts';
import { registerApprovalStatus } from './tools/approval-status.ts';
import { registerSecretSync } from './tools/secret-sync.ts';
import { registerDatabaseLifecycle } from './tools/database-lifecycle.ts';
import { registerUserDecisionRequest, registerUserNotify } from './tools/user-decision-request.ts';

const REGISTER: Record<McpToolName, (server: McpServer, deps: ToolDeps) => void> = {
  run_context: registerRunContext,
  issue_comments_read: registerIssueCommentsRead,
  pull_request_get: registerPullRequestGet,
  run_status_report: registerRunStatusReport,
  labels_transition: registerLabelsTransition,
  secret_sync: registerSecretSync,
  database_lifecycle: registerDatabaseLifecycle,
  approval_status: registerApprovalStatus,
  user_notify: registerUserNotify,
  user_decision_request: registerUserDecisionRequest,
};

export function createMcpServer(deps: ToolDeps): McpServer {
  const server = new McpServer({ name: 'stageline', version: POLICY_VERSION }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  for (const name of mcpToolsFor(deps.run.scope)) {
    REGISTER[name](server, deps);
  }
  return server;
}
