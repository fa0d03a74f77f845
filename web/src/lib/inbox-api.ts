/**
 * The console inbox (docs/domain.md §7.1, §8.2; edge/src/routes/staff-inbox.ts):
 *
 *   GET  /api/v1/staff/inbox                              open approval requests and questions
 *   POST /api/v1/staff/approvals/:request_id/decision     {decision: approve|deny, reason?}
 *   POST /api/v1/staff/questions/:interaction_id/answer   {option_id} | {text}
 *
 * The first decision wins: a late one gets 409 with who decided, which is an
 * expected outcome (`conflict`) rather than a failure. Anything else non-2xx
 * throws `ApiError`.
 */
import { ApiError, globalFetch, readJson, toApiError, type FetchLike } from './api.ts';
import { isRecord } from './run.ts';

export const INBOX_PATH = '/api/v1/staff/inbox';
export const MAX_REASON_LENGTH = 500;

/** The run an inbox item belongs to. */
export type InboxRun = {
  id: string;
  project_id: string;
  repository_full_name: string;
  issue_number: number | null;
  agent_key: string;
  trigger_label: string;
};

/** An approval request as the edge shows it (`approvalView`). */
export type ApprovalView = {
  request_id: string;
  tool_name: string;
  action: string;
  approval_mode: string;
  approval_state: string;
  target_ref: Record<string, unknown>;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  channel: string | null;
  reason: string | null;
  result: Record<string, unknown> | null;
};

export type InboxApproval = ApprovalView & { created_at: string; run: InboxRun; may_decide: boolean };

export type QuestionOption = { id: string; label: string };

export type InboxQuestion = {
  interaction_id: string;
  question: string;
  options: QuestionOption[];
  allow_free_text: boolean;
  recipient_login: string | null;
  deadline_at: string | null;
  created_at: string;
  run: InboxRun;
  may_answer: boolean;
};

export type Inbox = { approvals: InboxApproval[]; questions: InboxQuestion[] };

export type Decision = 'approve' | 'deny';

export type DecisionOutcome =
  /** The decision counted; `request` is the edge's view of it (`null` if its body was unreadable). */
  | { kind: 'decided'; request: ApprovalView | null }
  /** Someone decided first, or the request expired; `message` says which ("already decided by …"). */
  | { kind: 'conflict'; message: string; request: ApprovalView | null };

export type Answer = { kind: 'option'; optionId: string } | { kind: 'text'; text: string };

export type AnswerOutcome = { kind: 'answered' } | { kind: 'conflict'; message: string };

export type InboxApiOptions = { fetch?: FetchLike; signal?: AbortSignal };

export async function fetchInbox(options: InboxApiOptions = {}): Promise<Inbox> {
  const doFetch = options.fetch ?? globalFetch;
  const response = await doFetch(INBOX_PATH, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal: options.signal });
  const body = await readJson(response);
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  return toInbox(body);
}

export async function decideApproval(
  requestId: string,
  input: { decision: Decision; reason?: string },
  options: InboxApiOptions = {},
): Promise<DecisionOutcome> {
  const reason = input.reason?.trim() ?? '';
  if (reason.length > MAX_REASON_LENGTH) {
    throw new ApiError(400, 'invalid_argument', `The reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  const { response, body } = await postJson(
    `/api/v1/staff/approvals/${encodeURIComponent(requestId)}/decision`,
    reason === '' ? { decision: input.decision } : { decision: input.decision, reason },
    options,
  );
  if (response.status === 409) {
    const request = isRecord(body) ? toApprovalView(body['request']) : null;
    return { kind: 'conflict', message: toApiError(409, body).message, request };
  }
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  // A 2xx means the decision counted, whatever its body looks like.
  return { kind: 'decided', request: toApprovalView(body) };
}

export async function answerQuestion(interactionId: string, answer: Answer, options: InboxApiOptions = {}): Promise<AnswerOutcome> {
  const { response, body } = await postJson(
    `/api/v1/staff/questions/${encodeURIComponent(interactionId)}/answer`,
    answer.kind === 'option' ? { option_id: answer.optionId } : { text: answer.text },
    options,
  );
  if (response.status === 409) {
    return { kind: 'conflict', message: toApiError(409, body).message };
  }
  if (!response.ok) {
    throw toApiError(response.status, body);
  }
  return { kind: 'answered' };
}

/** Parses the inbox; items of the wrong shape are skipped, like run rows. */
export function toInbox(body: unknown): Inbox {
  if (!isRecord(body) || !Array.isArray(body['approvals']) || !Array.isArray(body['questions'])) {
    throw new ApiError(200, 'invalid_response', 'The inbox has an unexpected shape');
  }
  return {
    approvals: body['approvals'].map(toInboxApproval).filter((item): item is InboxApproval => item !== null),
    questions: body['questions'].map(toInboxQuestion).filter((item): item is InboxQuestion => item !== null),
  };
}

export function toApprovalView(raw: unknown): ApprovalView | null {
  if (!isRecord(raw)) {
    return null;
  }
  const strings = ['request_id', 'tool_name', 'action', 'approval_mode', 'approval_state', 'expires_at'] as const;
  const nullableStrings = ['decided_by', 'decided_at', 'channel', 'reason'] as const;
  const valid =
    strings.every((field) => typeof raw[field] === 'string') &&
    nullableStrings.every((field) => raw[field] === null || typeof raw[field] === 'string') &&
    isRecord(raw['target_ref']) &&
    (raw['result'] === null || isRecord(raw['result']));
  if (!valid) {
    return null;
  }
  const view: Record<string, unknown> = {};
  for (const field of [...strings, ...nullableStrings, 'target_ref', 'result'] as const) {
    view[field] = raw[field];
  }
  // Every field of `ApprovalView` was checked above.
  return view as ApprovalView;
}

function toInboxApproval(raw: unknown): InboxApproval | null {
  const view = toApprovalView(raw);
  if (view === null || !isRecord(raw)) {
    return null;
  }
  const run = toInboxRun(raw['run']);
  if (run === null || typeof raw['created_at'] !== 'string' || typeof raw['may_decide'] !== 'boolean') {
    return null;
  }
  return { ...view, created_at: raw['created_at'], run, may_decide: raw['may_decide'] };
}

function toInboxQuestion(raw: unknown): InboxQuestion | null {
  if (!isRecord(raw)) {
    return null;
  }
  const run = toInboxRun(raw['run']);
  const options = Array.isArray(raw['options']) ? raw['options'].map(toOption) : null;
  const { interaction_id, question, allow_free_text, recipient_login, deadline_at, created_at, may_answer } = raw;
  if (
    run === null ||
    options === null ||
    options.includes(null) ||
    typeof interaction_id !== 'string' ||
    typeof question !== 'string' ||
    typeof allow_free_text !== 'boolean' ||
    !(recipient_login === null || typeof recipient_login === 'string') ||
    !(deadline_at === null || typeof deadline_at === 'string') ||
    typeof created_at !== 'string' ||
    typeof may_answer !== 'boolean'
  ) {
    return null;
  }
  return {
    interaction_id,
    question,
    options: options.filter((option): option is QuestionOption => option !== null),
    allow_free_text,
    recipient_login,
    deadline_at,
    created_at,
    run,
    may_answer,
  };
}

function toOption(raw: unknown): QuestionOption | null {
  return isRecord(raw) && typeof raw['id'] === 'string' && typeof raw['label'] === 'string'
    ? { id: raw['id'], label: raw['label'] }
    : null;
}

function toInboxRun(raw: unknown): InboxRun | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { id, project_id, repository_full_name, issue_number, agent_key, trigger_label } = raw;
  if (
    typeof id !== 'string' ||
    typeof project_id !== 'string' ||
    typeof repository_full_name !== 'string' ||
    !(issue_number === null || Number.isInteger(issue_number)) ||
    typeof agent_key !== 'string' ||
    typeof trigger_label !== 'string'
  ) {
    return null;
  }
  return { id, project_id, repository_full_name, issue_number: issue_number as number | null, agent_key, trigger_label };
}

async function postJson(path: string, payload: unknown, options: InboxApiOptions): Promise<{ response: Response; body: unknown }> {
  const doFetch = options.fetch ?? globalFetch;
  const response = await doFetch(path, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(payload),
    signal: options.signal,
  });
  return { response, body: await readJson(response) };
}
