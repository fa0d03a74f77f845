/**
 * The console's channel for the owner in the loop (docs/domain.md §7.1), the
 * same contract as Telegram and the HTTP approver:
 *
 * - `GET /api/v1/staff/inbox` — open approval requests and questions of the
 *   caller's projects;
 * - `POST /api/v1/staff/approvals/:id/decision` `{decision: approve|deny, reason?}`
 *   — the approval matrix says which roles may decide (policy `mayDecide`);
 * - `POST /api/v1/staff/questions/:id/answer` `{option_id}` or `{text}` — only
 *   the person the question is addressed to answers it.
 *
 * The first valid decision wins; a late one gets 409 with who decided.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { deciderRoleOf, mayDecide, readableProjects, type Answer, type ApprovalMode } from '@stageline/policy';
import { findApproval } from '../db/approval-repo.ts';
import { openInbox, projectOfRun, type InboxRun } from '../db/inbox-repo.ts';
import { findInteraction } from '../db/interaction-repo.ts';
import { approvalView, decideApproval } from '../domain/approvals.ts';
import { answerInteraction } from '../domain/interactions.ts';
import { errorBody } from '../lib/http-error.ts';
import { ApprovalViewSchema, ErrorSchema, errors, InboxRunSchema, json, uuidParam } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { refuseUnless } from './staff-guard.ts';

const MAX_BODY = 8 * 1024;

const runView = (r: InboxRun) => ({ id: r.id, project_id: r.projectId, repository_full_name: r.repositoryFullName, issue_number: r.issueNumber, agent_key: r.agentKey, trigger_label: r.triggerLabel });

const decisionSchema = z.object({ decision: z.enum(['approve', 'deny']), reason: z.string().max(500).optional() }).strict();
const answerSchema = z.union([z.object({ option_id: z.string().min(1).max(64) }).strict(), z.object({ text: z.string().min(1).max(4000) }).strict()]);
const conflict = json(ErrorSchema.extend({ request: ApprovalViewSchema.optional() }), 'Already decided or expired; who decided');

const inbox = createRoute({
  method: 'get',
  path: '/api/v1/staff/inbox',
  tags: ['approvals'],
  summary: 'Open approval requests and questions of the caller\'s projects',
  security: SESSION_SECURITY,
  responses: {
    200: json(
      z.object({
        approvals: z.array(ApprovalViewSchema.extend({ created_at: z.string(), run: InboxRunSchema, may_decide: z.boolean() })),
        questions: z.array(
          z.object({
            interaction_id: z.string(),
            question: z.string(),
            options: z.array(z.object({ id: z.string(), label: z.string() })),
            allow_free_text: z.boolean(),
            recipient_login: z.string().nullable(),
            deadline_at: z.string().nullable(),
            created_at: z.string(),
            run: InboxRunSchema,
            may_answer: z.boolean(),
          }),
        ),
      }),
      'The inbox',
    ),
    ...errors(401),
  },
});

const decide = createRoute({
  method: 'post',
  path: '/api/v1/staff/approvals/{requestId}/decision',
  tags: ['approvals'],
  summary: 'Approve or deny a request (the approval mode says who may)',
  security: SESSION_SECURITY,
  middleware: [limitBody(MAX_BODY)] as const,
  request: { params: z.object({ requestId: uuidParam('requestId') }), body: { required: true, content: { 'application/json': { schema: decisionSchema } } } },
  responses: { 200: json(ApprovalViewSchema, 'The decided request'), 409: conflict, ...errors(400, 401, 403, 404, 413) },
});

const answer = createRoute({
  method: 'post',
  path: '/api/v1/staff/questions/{interactionId}/answer',
  tags: ['approvals'],
  summary: 'Answer a question addressed to the caller',
  security: SESSION_SECURITY,
  middleware: [limitBody(MAX_BODY)] as const,
  request: { params: z.object({ interactionId: uuidParam('interactionId') }), body: { required: true, content: { 'application/json': { schema: answerSchema } } } },
  responses: {
    200: json(z.object({ interaction_id: z.string(), state: z.literal('answered'), response: z.record(z.string(), z.unknown()) }), 'The answer counted'),
    ...errors(400, 401, 403, 404, 409, 413),
  },
});

/** Whether the caller's role is one the request's mode admits (what a decision would check). */
function mayDeciderDecide(role: ReturnType<typeof deciderRoleOf>, mode: string): boolean {
  return role !== null && mayDecide(mode as ApprovalMode, role);
}

export const staffInbox = staffRoutes()
  .openapi(inbox, async (c) => {
    const scope = readableProjects(c.var.staff);
    const { approvals, questions } = await openInbox(c.var.db, scope.kind === 'all' ? null : scope.ids, 200);
    const login = c.var.staff.login;
    return c.json({
      approvals: approvals.map(({ request, run }) => ({ ...approvalView(request), created_at: request.createdAt.toISOString(), run: runView(run), may_decide: mayDeciderDecide(deciderRoleOf(c.var.staff, run.projectId), request.approvalMode) })),
      questions: questions.map(({ request, run }) => ({
        interaction_id: request.id,
        question: request.text,
        options: request.options,
        allow_free_text: request.allowFreeText,
        recipient_login: request.recipientLogin,
        deadline_at: request.deadlineAt?.toISOString() ?? null,
        created_at: request.createdAt.toISOString(),
        run: runView(run),
        may_answer: request.recipientLogin !== null && request.recipientLogin.toLowerCase() === login,
      })),
    }, 200);
  })
  .openapi(decide, async (c) => {
    const { requestId } = c.req.valid('param');
    const body = { value: c.req.valid('json') };
    const request = await findApproval(c.var.db, requestId);
    const projectId = request === null ? null : await projectOfRun(c.var.db, request.runId);
    if (request === null || projectId === null) {
      return c.json(errorBody('not_found', 'approval request not found'), 404);
    }
    const refused = refuseUnless(c, projectId, 'read', 'approval request');
    const role = deciderRoleOf(c.var.staff, projectId);
    if (refused !== null || role === null) {
      return (refused as never) ?? c.json(errorBody('not_found', 'approval request not found'), 404);
    }
    const { settings, effects } = c.var.root;
    const login = c.var.staff.login;
    const decision = body.value.decision === 'approve' ? 'approved' : 'denied';
    const result = await decideApproval(
      c.var.db,
      { requestId, role, event: { kind: 'decide', decision, actor: `console:${login}`, channel: 'console', reason: body.value.reason ?? null } },
      { dataKey: settings.dataKey, ttlSeconds: settings.approvalTtlSeconds },
      new Date(),
    );
    if (!result.ok) {
      const e = result.error;
      switch (e.kind) {
        case 'not_found':
          return c.json(errorBody('not_found', 'approval request not found'), 404);
        case 'forbidden':
          return c.json(errorBody('forbidden', `this request's mode (${e.mode}) does not let your role decide`), 403);
        case 'expired':
          return c.json({ ...errorBody('conflict', 'the request expired'), request: approvalView(e.request) }, 409);
        case 'already_decided':
          return c.json({ ...errorBody('conflict', `already decided by ${e.request.decidedBy ?? 'someone'} (${e.request.state})`), request: approvalView(e.request) }, 409);
      }
    }
    c.executionCtx.waitUntil(effects.run(result.effects, c.var.log));
    c.var.log.info('approval decided in the console', { requestId, decision, by: login });
    return c.json(approvalView(result.request), 200);
  })
  .openapi(answer, async (c) => {
    const { interactionId } = c.req.valid('param');
    const body = { value: c.req.valid('json') };
    const question = await findInteraction(c.var.db, interactionId);
    const projectId = question === null ? null : await projectOfRun(c.var.db, question.runId);
    if (question === null || projectId === null) {
      return c.json(errorBody('not_found', 'question not found'), 404);
    }
    const refused = refuseUnless(c, projectId, 'read', 'question');
    if (refused !== null) {
      return refused as never;
    }
    const login = c.var.staff.login;
    if (question.recipientLogin === null || question.recipientLogin.toLowerCase() !== login) {
      return c.json(errorBody('forbidden', `this question is for @${question.recipientLogin ?? 'nobody'}`), 403);
    }
    const answer: Answer = 'option_id' in body.value ? { kind: 'option', optionId: body.value.option_id } : { kind: 'free_text', text: body.value.text };
    const result = await answerInteraction(c.var.db, { interactionId, answer, responder: login, channel: 'console', now: new Date() });
    const v = result.verdict;
    switch (v.kind) {
      case 'applied':
        c.executionCtx.waitUntil(c.var.root.effects.run(result.effects, c.var.log));
        c.var.log.info('question answered in the console', { interactionId, by: login, kind: answer.kind });
        return c.json({ interaction_id: interactionId, state: 'answered' as const, response: v.response }, 200);
      case 'stale':
        return c.json(errorBody('conflict', `already ${v.state} by @${v.respondedBy ?? '?'}`), 409);
      case 'expired':
        return c.json(errorBody('conflict', 'the question expired'), 409);
      default:
        return c.json(errorBody('invalid_argument', `not accepted: ${v.reason}`), 400);
    }
  });
