/**
 * `user_decision_request` and `user_notify` (docs/domain.md §7.5): a question
 * with 2-5 options (and optionally free text) for the person the run works
 * for, or a one-way message. A question answers at once
 * `pending_user_response`; the agent must end its turn, and the run resumes
 * as its next attempt with the answer.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { checkDecisionRequest, questionRecipient } from '@stageline/policy';
import { z } from 'zod';
import { askPerson } from '../../domain/interactions.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import { toolError, toolResult, type ToolDeps } from '../deps.ts';

function recipientOf(deps: ToolDeps): string | null {
  return questionRecipient({ issueAuthor: deps.row.issueAuthor, pullRequestAuthor: deps.row.pullRequestAuthor, sender: deps.row.senderLogin });
}

export function registerUserDecisionRequest(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'user_decision_request',
    {
      description:
        'Ask the person this run works for to choose between 2 and 5 options (optionally with their own answer). Answers "pending_user_response": then END YOUR TURN at once with a short summary; the run resumes later with the answer before your next instructions.',
      inputSchema: {
        question: z.string().min(1).max(500),
        options: z.array(z.object({ id: z.string().min(1).max(32), label: z.string().min(1).max(64) })).min(2).max(5),
        allow_free_text: z.boolean().optional(),
        ttl_seconds: z.number().int().min(60).max(86_400).optional(),
      },
    },
    async ({ question, options, allow_free_text, ttl_seconds }) => {
      const checked = checkDecisionRequest({ question, options, allowFreeText: allow_free_text ?? false, ttlSeconds: ttl_seconds });
      if (!checked.ok) {
        return toolError(`invalid_argument: ${checked.error}`);
      }
      const recipient = recipientOf(deps);
      if (recipient === null) {
        return toolError('failed_precondition: nobody to ask (no human issue author, PR author or sender)');
      }
      const v = checked.value;
      const callKey = await sha256Hex(JSON.stringify(['decision', v.question, v.options, v.allowFreeText]));
      const { outcome, effects } = await askPerson(deps.db, { runId: deps.run.id, kind: 'decision', text: v.question, options: v.options, allowFreeText: v.allowFreeText, ttlSeconds: v.ttlSeconds, recipientLogin: recipient, callKey }, deps.now(), deps.consoleUrl);
      deps.emit(effects);
      switch (outcome.kind) {
        case 'pending':
          return toolResult({ status: 'pending_user_response', request_id: outcome.request.id, recipient, expires_at: outcome.request.deadlineAt?.toISOString() ?? null, message: 'End your turn now; the run resumes with the answer.' });
        case 'delivered':
          return toolResult({ status: 'delivered', request_id: outcome.request.id });
        case 'busy':
          return toolError(`failed_precondition: the run is waiting on request ${outcome.waitingOn}`);
        case 'not_running':
          return toolError(`failed_precondition: the run is ${outcome.status}`);
      }
    },
  );
}

export function registerUserNotify(server: McpServer, deps: ToolDeps): void {
  server.registerTool(
    'user_notify',
    {
      description: 'Send a short message to the person this run works for (no answer expected). Repeating the same text does nothing.',
      inputSchema: { text: z.string().min(1).max(2000) },
    },
    async ({ text }) => {
      const recipient = recipientOf(deps);
      if (recipient === null) {
        return toolError('failed_precondition: nobody to notify (no human issue author, PR author or sender)');
      }
      const callKey = await sha256Hex(JSON.stringify(['notify', text.trim()]));
      const { outcome, effects } = await askPerson(deps.db, { runId: deps.run.id, kind: 'notify', text: text.trim(), options: [], allowFreeText: false, ttlSeconds: null, recipientLogin: recipient, callKey }, deps.now(), deps.consoleUrl);
      deps.emit(effects);
      return outcome.kind === 'delivered' ? toolResult({ status: 'delivered', request_id: outcome.request.id, recipient }) : toolError(`failed_precondition: the run is ${outcome.kind === 'not_running' ? outcome.status : 'busy'}`);
    },
  );
}
