import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { findApproval } from '../../db/approval-repo.ts';
import { approvalView } from '../../domain/approvals.ts';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

/** `approval_status` (docs/domain.md §6.2 `get-approval`): the state of one of this run's requests. */
export function registerApprovalStatus(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'approval_status',
    {
      description: 'The state of an approval request this run made: requested (still waiting), approved (being applied), applied, denied, expired or failed, with who decided and why.',
      inputSchema: { request_id: z.uuid() },
    },
    async ({ request_id }) => {
      const request = await findApproval(deps.db, request_id);
      // Another run's request reads as unknown: its id tells the caller nothing.
      if (request === null || request.runId !== deps.run.id) {
        return toolError('not_found: no such request for this run');
      }
      return toolResult({ ...approvalView(request) });
    },
  );
}
