/**
 * Questions an agent asks a person (docs/domain.md §7.5), as rules without
 * I/O: what a decision request may hold, who it is for, how an answer is
 * classified, and the typed payload the resumed run reads.
 */

export const QUESTION_MAX_CHARS = 500;
export const OPTION_LABEL_MAX_CHARS = 64;
export const FREE_TEXT_MAX_CHARS = 4000;
export const DECISION_TTL_SECONDS = { min: 60, max: 86_400, default: 3600 } as const;

export interface DecisionOption {
  id: string;
  label: string;
}

export interface DecisionRequestInput {
  question: string;
  options: readonly { id: string; label: string }[];
  allowFreeText: boolean;
  ttlSeconds: number | undefined;
}

export type DecisionCheck = { ok: true; value: { question: string; options: DecisionOption[]; allowFreeText: boolean; ttlSeconds: number } } | { ok: false; error: string };

const OPTION_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * @example checkDecisionRequest({ question: 'Which?', options: [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }], allowFreeText: false, ttlSeconds: undefined }).ok === true
 */
export function checkDecisionRequest(input: DecisionRequestInput): DecisionCheck {
  const question = input.question.trim();
  if (question === '' || question.length > QUESTION_MAX_CHARS) {
    return { ok: false, error: `question must be 1-${QUESTION_MAX_CHARS} characters` };
  }
  const seen = new Set<string>();
  const options: DecisionOption[] = [];
  for (const o of input.options) {
    const id = o.id.trim().toLowerCase();
    const label = o.label.replace(/\s+/g, ' ').trim();
    if (!OPTION_ID.test(id)) {
      return { ok: false, error: `option id ${JSON.stringify(o.id)} must be 1-32 of a-z, 0-9, _ and -` };
    }
    if (label === '' || label.length > OPTION_LABEL_MAX_CHARS) {
      return { ok: false, error: `option ${id}: label must be 1-${OPTION_LABEL_MAX_CHARS} characters` };
    }
    if (!seen.has(id)) {
      seen.add(id);
      options.push({ id, label });
    }
  }
  if (options.length < 2 || options.length > 5) {
    return { ok: false, error: 'a decision needs 2 to 5 distinct options' };
  }
  const ttl = input.ttlSeconds ?? DECISION_TTL_SECONDS.default;
  if (!Number.isInteger(ttl) || ttl < DECISION_TTL_SECONDS.min || ttl > DECISION_TTL_SECONDS.max) {
    return { ok: false, error: `ttl_seconds must be ${DECISION_TTL_SECONDS.min}-${DECISION_TTL_SECONDS.max}` };
  }
  return { ok: true, value: { question, options, allowFreeText: input.allowFreeText, ttlSeconds: ttl } };
}

/** Who a question is for: the issue's author, else the PR's author, else whoever sent the trigger. Bots never answer. */
export function questionRecipient(facts: { issueAuthor?: string | null; pullRequestAuthor?: string | null; sender?: string | null }): string | null {
  const human = (login: string | null | undefined) => (login && !login.endsWith('[bot]') ? login : null);
  return human(facts.issueAuthor) ?? human(facts.pullRequestAuthor) ?? human(facts.sender);
}

export type InteractionState = 'pending' | 'answered' | 'expired' | 'cancelled' | 'delivered';

export type Answer = { kind: 'option'; optionId: string } | { kind: 'free_text'; text: string };

export type AnswerVerdict =
  | { kind: 'applied'; response: { kind: 'option'; option_id: string; label: string } | { kind: 'free_text'; text: string } }
  | { kind: 'stale'; state: InteractionState; respondedBy: string | null }
  | { kind: 'expired' }
  | { kind: 'invalid'; reason: string };

/** The first valid answer before the deadline wins; everything else is told why it does not count. */
export function classifyAnswer(request: { kind: 'notify' | 'decision'; state: InteractionState; deadlineAt: Date | null; options: readonly DecisionOption[]; allowFreeText: boolean; respondedBy: string | null }, answer: Answer, now: Date): AnswerVerdict {
  if (request.kind !== 'decision') {
    return { kind: 'invalid', reason: 'a notification takes no answer' };
  }
  if (request.state !== 'pending') {
    return request.state === 'expired' ? { kind: 'expired' } : { kind: 'stale', state: request.state, respondedBy: request.respondedBy };
  }
  if (request.deadlineAt !== null && now.getTime() >= request.deadlineAt.getTime()) {
    return { kind: 'expired' };
  }
  if (answer.kind === 'option') {
    const option = request.options.find((o) => o.id === answer.optionId);
    return option === undefined ? { kind: 'invalid', reason: 'no such option' } : { kind: 'applied', response: { kind: 'option', option_id: option.id, label: option.label } };
  }
  const text = answer.text.trim();
  if (!request.allowFreeText) {
    return { kind: 'invalid', reason: 'this question takes one of its options only' };
  }
  if (text === '' || text.length > FREE_TEXT_MAX_CHARS) {
    return { kind: 'invalid', reason: `an answer must be 1-${FREE_TEXT_MAX_CHARS} characters` };
  }
  return { kind: 'applied', response: { kind: 'free_text', text } };
}

/** What the resumed attempt is told about the end of its wait, before its resume prompt. */
export type ResumePayload =
  | { kind: 'approval'; request_id: string; tool_name: string; action: string; approval_state: string; reason: string | null; decided_by: string | null }
  | {
      kind: 'interaction';
      interaction_id: string;
      question: string;
      request_status: 'answered' | 'expired' | 'cancelled';
      response_kind: 'option' | 'free_text' | 'none';
      selected_option_id?: string;
      selected_option_label?: string;
      free_text?: string;
      resolved_at: string;
    };
