/**
 * `secret_sync` (docs/domain.md §6.5): a Kubernetes Secret in the run's
 * namespace, written by the cluster's agent once the approval matrix's
 * decider approves. The value is derived (deterministic: HMAC of the target),
 * random, or provided; it is sealed at once and never returned, logged or
 * shown. A call with the same target returns the same request.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { approvalMode, parseApprovalOverrides } from '@stageline/policy';
import { base64url } from 'jose';
import { z } from 'zod';
import { requestControlAction } from '../../domain/approvals.ts';
import { controlAnswer } from '../control-answer.ts';
import { hmacBase64url } from '../../lib/crypto.ts';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._\-:/]{1,128}$/;

export const secretSyncInput = {
  environment: z.string().min(1).max(63).regex(/^[A-Za-z0-9-]+$/).describe('The environment the secret is for, e.g. dev.'),
  kubernetes_secret_name: z.string().regex(DNS_SUBDOMAIN).describe('Name of the Kubernetes Secret in the run namespace.'),
  kubernetes_secret_key: z.string().regex(SECRET_KEY).optional().describe('Key inside the Secret (default "value").'),
  kubernetes_namespace: z.string().min(1).max(63).optional().describe('Must be the run namespace if given.'),
  policy: z.enum(['deterministic', 'random', 'provided']).optional().describe('deterministic (default): derived from the target; random: 32 random bytes; provided: secret_value.'),
  secret_value: z.string().min(1).max(4096).optional().describe('Only with policy "provided".'),
  idempotency_key: z.string().regex(IDEMPOTENCY_KEY).optional(),
  dry_run: z.boolean().optional().describe('Check the request without creating it.'),
  justification: z.string().max(500).optional().describe('Why the secret is needed, shown to the approver.'),
};

type Input = { [K in keyof typeof secretSyncInput]: z.infer<(typeof secretSyncInput)[K]> };

export function registerSecretSync(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'secret_sync',
    {
      description:
        'Create or update a Kubernetes Secret in this run\'s namespace. Needs approval: the answer is "approval_required" with a request_id; continue other work and call approval_status with that id until it is applied, denied or expired. Calling again with the same target returns the same request. The value is never shown.',
      inputSchema: secretSyncInput,
    },
    async (input: Input) => {
      const { row } = deps;
      const namespace = row.jobNamespace;
      if (namespace === null || row.projectId === null) {
        return toolError('failed_precondition: the run has no namespace yet');
      }
      if (input.kubernetes_namespace !== undefined && input.kubernetes_namespace !== namespace) {
        return toolError(`invalid_argument: kubernetes_namespace must be the run namespace ${namespace}`);
      }
      const policy = input.policy ?? 'deterministic';
      if ((policy === 'provided') !== (input.secret_value !== undefined)) {
        return toolError('invalid_argument: secret_value is required with policy "provided" and refused otherwise');
      }
      const environment = input.environment.toLowerCase();
      const key = input.kubernetes_secret_key ?? 'value';
      const fields = ['v1', row.projectId, row.repositoryFullName, environment, namespace, input.kubernetes_secret_name, key].join('\n');
      const { secretSyncKey } = deps.keys;
      const value = policy === 'deterministic' ? await hmacBase64url(secretSyncKey, fields) : policy === 'random' ? base64url.encode(crypto.getRandomValues(new Uint8Array(32))) : (input.secret_value ?? '');
      // A random value has no fingerprint: the same target then means the same request, not a new value per call.
      const fingerprint = policy === 'random' ? 'random' : await hmacBase64url(secretSyncKey, `secret:${value}`);
      const idempotencyKey = input.idempotency_key?.toLowerCase() ?? (await hmacBase64url(secretSyncKey, `${fields}\n${policy}\n${fingerprint}`));
      const targetRef = { environment, kubernetes_namespace: namespace, kubernetes_secret_name: input.kubernetes_secret_name, kubernetes_secret_key: key, policy, idempotency_key: idempotencyKey };
      const kubernetesRef = `${namespace}/${input.kubernetes_secret_name}#${key}`;
      const overrides = parseApprovalOverrides(row.approvalOverrides).value;
      const mode = approvalMode({ agentKey: row.agentKey, runLabel: row.triggerLabel, tool: 'secret_sync', action: 'apply', runtimeMode: deps.spec.launch.runtimeMode }, overrides);
      if (mode === 'deny') {
        return toolError('permission_denied: this project does not allow secret_sync for this stage');
      }
      if (input.dry_run === true) {
        return toolResult({ status: 'ok', dry_run: true, approval_state: 'none', approval_mode: mode, kubernetes_ref: kubernetesRef, policy, idempotency_key: idempotencyKey, message: 'dry_run' });
      }
      const { outcome, effects } = await requestControlAction(deps.db, {
        runId: deps.run.id,
        request: { tool: 'secret_sync', action: 'apply', targetRef, payload: { kubernetes_ref: kubernetesRef, justification: input.justification ?? null }, secretValue: value, mode },
        keys: deps.approvals,
        now: deps.now(),
      });
      deps.emit(effects);
      return controlAnswer(outcome, { tool: 'secret_sync', mode, target: { kubernetes_ref: kubernetesRef }, deps });
    },
  );
}
