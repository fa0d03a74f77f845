// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { makeApproval, makeQuestion } from '../../test/fixtures/make-inbox.ts';
import { ApiError, type FetchLike } from './api.ts';
import { answerQuestion, decideApproval, fetchInbox, INBOX_PATH, toInbox } from './inbox-api.ts';

type Sent = { url: string; method: string; body: unknown; contentType: string | null };

function respond(status: number, body: unknown): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      sent.push({
        url,
        method: init?.method ?? 'GET',
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
        contentType: headers.get('content-type'),
      });
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return Promise.resolve(new Response(text, { status, headers: { 'content-type': 'application/json' } }));
    },
  };
}

/** The request view of an inbox item (what decision and 409 answers carry). */
function viewOf(item: ReturnType<typeof makeApproval>, changes: Record<string, unknown> = {}) {
  const { created_at: _created, run: _run, may_decide: _may, ...view } = item;
  return { ...view, ...changes };
}

describe('fetchInbox', () => {
  it('parses approvals and questions', async () => {
    const approval = makeApproval();
    const question = makeQuestion();
    const server = respond(200, { approvals: [approval], questions: [question] });
    await expect(fetchInbox({ fetch: server.fetch })).resolves.toEqual({ approvals: [approval], questions: [question] });
    expect(server.sent.map((call) => `${call.method} ${call.url}`)).toEqual([`GET ${INBOX_PATH}`]);
  });

  it('drops extra fields and skips items of the wrong shape', () => {
    const approval = makeApproval();
    const question = makeQuestion();
    const inbox = toInbox({
      approvals: [{ ...approval, extra: 1 }, { ...approval, may_decide: 'yes' }, { ...approval, target_ref: null }, null],
      questions: [question, { ...question, options: [{ id: 1 }] }, { ...question, run: { id: 'r' } }],
    });
    expect(inbox.approvals).toEqual([approval]);
    expect(inbox.questions).toEqual([question]);
  });

  it('rejects a body without both lists, and turns errors into ApiError', async () => {
    expect(() => toInbox({ approvals: [] })).toThrow(ApiError);
    const server = respond(401, { error: { code: 'unauthorized', message: 'sign in first' } });
    await expect(fetchInbox({ fetch: server.fetch })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('decideApproval', () => {
  it('posts the decision and a trimmed reason, and returns the decided request', async () => {
    const item = makeApproval();
    const decided = viewOf(item, { approval_state: 'approved', decided_by: 'console:octocat', channel: 'console' });
    const server = respond(200, decided);
    await expect(decideApproval(item.request_id, { decision: 'approve', reason: '  looks right ' }, { fetch: server.fetch })).resolves.toEqual({
      kind: 'decided',
      request: decided,
    });
    expect(server.sent).toEqual([
      {
        url: `/api/v1/staff/approvals/${item.request_id}/decision`,
        method: 'POST',
        body: { decision: 'approve', reason: 'looks right' },
        contentType: 'application/json',
      },
    ]);
  });

  it('counts a 2xx as decided even when its body is unreadable', async () => {
    const server = respond(200, { approval_state: 'approved' });
    await expect(decideApproval('r', { decision: 'approve' }, { fetch: server.fetch })).resolves.toEqual({ kind: 'decided', request: null });
  });

  it('leaves out an empty reason', async () => {
    const item = makeApproval();
    const server = respond(200, viewOf(item, { approval_state: 'denied' }));
    await decideApproval(item.request_id, { decision: 'deny', reason: '   ' }, { fetch: server.fetch });
    expect(server.sent[0]?.body).toEqual({ decision: 'deny' });
  });

  it('refuses a reason over 500 characters without sending it', async () => {
    const server = respond(200, {});
    await expect(decideApproval('r', { decision: 'deny', reason: 'x'.repeat(501) }, { fetch: server.fetch })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(server.sent).toEqual([]);
  });

  it('reports 409 as a conflict with who decided', async () => {
    const item = makeApproval();
    const request = viewOf(item, { approval_state: 'denied', decided_by: 'telegram:mona' });
    const server = respond(409, {
      error: { code: 'conflict', message: 'already decided by telegram:mona (denied)' },
      request,
    });
    await expect(decideApproval(item.request_id, { decision: 'approve' }, { fetch: server.fetch })).resolves.toEqual({
      kind: 'conflict',
      message: 'already decided by telegram:mona (denied)',
      request,
    });
  });

  it('reports an expired request (409 without a readable request) as a conflict too', async () => {
    const server = respond(409, { error: { code: 'conflict', message: 'the request expired' } });
    await expect(decideApproval('r', { decision: 'approve' }, { fetch: server.fetch })).resolves.toEqual({
      kind: 'conflict',
      message: 'the request expired',
      request: null,
    });
  });

  it('throws on 403 with the edge’s message', async () => {
    const server = respond(403, { error: { code: 'forbidden', message: "this request's mode (owner) does not let your role decide" } });
    await expect(decideApproval('r', { decision: 'approve' }, { fetch: server.fetch })).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
      message: "this request's mode (owner) does not let your role decide",
    });
  });

  it('escapes the request id in the path', async () => {
    const server = respond(404, { error: { code: 'not_found', message: 'approval request not found' } });
    await expect(decideApproval('a/b', { decision: 'deny' }, { fetch: server.fetch })).rejects.toMatchObject({ status: 404 });
    expect(server.sent[0]?.url).toBe('/api/v1/staff/approvals/a%2Fb/decision');
  });
});

describe('answerQuestion', () => {
  it('posts an option id or a text', async () => {
    const server = respond(200, { interaction_id: 'q1', state: 'answered', response: {} });
    await expect(answerQuestion('q1', { kind: 'option', optionId: 'prod' }, { fetch: server.fetch })).resolves.toEqual({ kind: 'answered' });
    await answerQuestion('q1', { kind: 'text', text: 'use staging-2' }, { fetch: server.fetch });
    expect(server.sent.map((call) => [call.url, call.body])).toEqual([
      ['/api/v1/staff/questions/q1/answer', { option_id: 'prod' }],
      ['/api/v1/staff/questions/q1/answer', { text: 'use staging-2' }],
    ]);
  });

  it('reports 409 as a conflict and throws on 403 and 400', async () => {
    const late = respond(409, { error: { code: 'conflict', message: 'already answered by @mona' } });
    await expect(answerQuestion('q1', { kind: 'option', optionId: 'a' }, { fetch: late.fetch })).resolves.toEqual({
      kind: 'conflict',
      message: 'already answered by @mona',
    });
    const stranger = respond(403, { error: { code: 'forbidden', message: 'this question is for @mona' } });
    await expect(answerQuestion('q1', { kind: 'option', optionId: 'a' }, { fetch: stranger.fetch })).rejects.toMatchObject({
      status: 403,
      message: 'this question is for @mona',
    });
    const invalid = respond(400, { error: { code: 'invalid_argument', message: 'not accepted: unknown_option', field: 'option_id' } });
    await expect(answerQuestion('q1', { kind: 'option', optionId: 'zz' }, { fetch: invalid.fetch })).rejects.toMatchObject({ status: 400 });
  });
});
