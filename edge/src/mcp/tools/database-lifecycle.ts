/**
 * `database_lifecycle` (docs/domain.md §7.7): create, delete or describe a
 * PostgreSQL database of this project per environment. Describe answers at
 * once from the ownership registry; create and delete need the approval the
 * matrix asks for, then the cluster's agent runs them on the environment's
 * admin connection. The edge never touches that server.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { approvalMode, checkDatabaseAction, parseApprovalOverrides } from '@stageline/policy';
import { z } from 'zod';
import { findRegistration } from '../../db/database-registry-repo.ts';
import { requestControlAction } from '../../domain/approvals.ts';
import { controlAnswer } from '../control-answer.ts';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

export function registerDatabaseLifecycle(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'database_lifecycle',
    {
      description:
        'Create, delete or describe a PostgreSQL database of this project in an environment. describe answers at once; create and delete need approval: the answer is "approval_required" with a request_id, then call approval_status until it is applied, denied or expired. delete needs confirm_delete: true.',
      inputSchema: {
        environment: z.string().min(1).max(63),
        action: z.enum(['create', 'delete', 'describe']),
        database_name: z.string().min(1).max(63),
        confirm_delete: z.boolean().optional(),
        dry_run: z.boolean().optional(),
        justification: z.string().max(500).optional(),
      },
    },
    async ({ environment, action, database_name, confirm_delete, dry_run, justification }) => {
      const { row } = deps;
      if (row.projectId === null) {
        return toolError('failed_precondition: the run has no project');
      }
      const env = environment.toLowerCase();
      const registration = await findRegistration(deps.db, database_name);
      const checked = checkDatabaseAction({ action, environment: env, name: database_name, confirmDelete: confirm_delete ?? false, projectId: row.projectId, allowed: deps.databaseEnvironments, registration });
      if (!checked.ok) {
        return toolError(`${checked.code}: ${checked.message}`);
      }
      if (action === 'describe') {
        return toolResult({ status: 'ok', environment: env, database_name, exists: checked.registered, owned_by_project: checked.registered, message: 'described' });
      }
      const overrides = parseApprovalOverrides(row.approvalOverrides).value;
      const mode = approvalMode({ agentKey: row.agentKey, runLabel: row.triggerLabel, tool: 'database_lifecycle', action, runtimeMode: deps.spec.launch.runtimeMode }, overrides);
      if (mode === 'deny') {
        return toolError('permission_denied: this project does not allow database_lifecycle for this stage');
      }
      if (dry_run === true) {
        return toolResult({ status: 'ok', dry_run: true, approval_state: 'none', approval_mode: mode, environment: env, database_name, message: 'dry_run' });
      }
      const { outcome, effects } = await requestControlAction(deps.db, {
        runId: deps.run.id,
        request: { tool: 'database_lifecycle', action, targetRef: { environment: env, database_name }, payload: { database: `${env}/${database_name}`, justification: justification ?? null }, secretValue: null, mode },
        keys: deps.approvals,
        now: deps.now(),
      });
      deps.emit(effects);
      return controlAnswer(outcome, { tool: 'database_lifecycle', mode, target: { environment: env, database_name }, deps });
    },
  );
}
