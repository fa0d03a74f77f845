/**
 * How a control tool (secret_sync, database_lifecycle) answers the agent once
 * the request went through `requestControlAction`: one wording for every
 * control tool, with the tool's own target fields added.
 */
import type { ApprovalMode } from '@stageline/policy';
import { approvalView, type ControlOutcome } from '../domain/approvals.ts';
import { toolError, toolResult, type ToolDeps } from './deps.ts';

export function controlAnswer(outcome: ControlOutcome, input: { tool: string; mode: ApprovalMode; target: Record<string, unknown>; deps: ToolDeps }): ReturnType<typeof toolResult> | ReturnType<typeof toolError> {
  const { mode, target } = input;
  switch (outcome.kind) {
    case 'approval_required':
      input.deps.log.info('approval requested', { runId: input.deps.run.id, requestId: outcome.request.id, tool: input.tool, created: outcome.created });
      return toolResult({ status: 'approval_required', request_id: outcome.request.id, approval_state: outcome.request.state, approval_mode: mode, ...target, expires_at: outcome.request.expiresAt.toISOString(), message: 'approval_required: call approval_status with request_id later' });
    case 'approved_now':
      return toolResult({ status: 'ok', request_id: outcome.request.id, approval_state: 'approved', approval_mode: mode, ...target, message: 'no approval needed: the cluster is carrying it out; approval_status shows when it is applied' });
    case 'applied_before':
      return toolResult({ status: 'ok', reused: true, ...approvalView(outcome.request), ...target, message: 'idempotent_replay' });
    case 'denied_before':
      return toolResult({ status: 'denied', ...approvalView(outcome.request), message: 'this request was denied; change the request or stop' });
    case 'busy':
      return toolError(`failed_precondition: the run is waiting on request ${outcome.waitingOn}; call approval_status first`);
    case 'not_running':
      return toolError(`failed_precondition: the run is ${outcome.status}`);
  }
}
