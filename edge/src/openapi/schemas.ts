/**
 * The staff API's shapes as zod schemas with OpenAPI metadata
 * (@hono/zod-openapi): the routes validate requests with them and the
 * description at `/api/v1/openapi.json` is generated from them, so the two
 * cannot drift (docs/domain.md §8.2).
 */
import { z } from '@hono/zod-openapi';
import { RUN_STATUSES } from '@stageline/policy';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(['invalid_argument', 'unauthorized', 'session_expired', 'forbidden', 'not_found', 'conflict', 'failed_precondition', 'payload_too_large', 'resource_exhausted', 'unavailable', 'internal']),
      message: z.string(),
      field: z.string().optional(),
    }),
  })
  .openapi('Error');

const UUID = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');
export const uuidParam = (name: string) => UUID.openapi({ param: { name, in: 'path' }, example: '0a1b2c3d-0000-4000-8000-000000000001' });

const iso = z.string().openapi({ format: 'date-time' });

export const RunSchema = z
  .object({
    id: z.string(),
    correlation_id: z.string(),
    project_id: z.string(),
    repository_full_name: z.string(),
    issue_number: z.number().int().nullable(),
    issue_url: z.string().nullable(),
    trigger_kind: z.string(),
    trigger_label: z.string(),
    agent_key: z.string(),
    status: z.enum(RUN_STATUSES),
    status_reason: z.string().nullable(),
    wait_reason: z.string().nullable(),
    wait_target: z.string().nullable(),
    wait_since: iso.nullable(),
    cluster_id: z.string().nullable(),
    job_name: z.string().nullable(),
    namespace: z.string().nullable(),
    attempt_no: z.number().int(),
    version: z.number().int(),
    created_at: iso,
    started_at: iso.nullable(),
    finished_at: iso.nullable(),
    updated_at: iso,
    last_heartbeat_at: iso.nullable(),
    runner_phase: z.string().nullable(),
    runner_reason: z.string().nullable(),
    branch_name: z.string().nullable(),
    pull_request_number: z.number().int().nullable(),
    pull_request_url: z.string().nullable(),
    status_lines: z.array(z.string()),
    model: z.string().nullable(),
    reasoning_effort: z.string().nullable(),
  })
  .openapi('Run');

export const ApprovalViewSchema = z
  .object({
    request_id: z.string(),
    tool_name: z.string(),
    action: z.string(),
    approval_mode: z.string(),
    approval_state: z.string(),
    target_ref: z.record(z.string(), z.unknown()),
    expires_at: iso,
    decided_by: z.string().nullable(),
    decided_at: iso.nullable(),
    channel: z.string().nullable(),
    reason: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('ApprovalRequest');

export const InboxRunSchema = z
  .object({ id: z.string(), project_id: z.string(), repository_full_name: z.string(), issue_number: z.number().int().nullable(), agent_key: z.string(), trigger_label: z.string() })
  .openapi('InboxRun');

/** Every error status a staff route may answer, described once. */
export function errors<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } } } {
  const text: Record<number, string> = {
    400: 'Invalid input',
    401: 'Not signed in, or the session expired (`session_expired`: refresh and retry)',
    403: 'No right for this, or a missing CSRF token',
    404: 'Not found, or in a project the caller has no role in',
    409: 'Already decided, answered or expired',
    412: 'A precondition does not hold',
    413: 'Body too large',
    500: 'The change could not be applied; nothing was written',
    503: 'A dependency did not answer',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: text[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }])) as never;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
