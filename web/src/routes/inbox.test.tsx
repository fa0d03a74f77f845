// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@solidjs/testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeApproval, makeQuestion } from '../../test/fixtures/make-inbox.ts';
import type { FetchLike } from '../lib/api.ts';
import type { Inbox } from '../lib/inbox-api.ts';
import { INBOX_FALLBACK_POLL_MS } from '../lib/inbox-refresh.ts';
import { createLogger } from '../lib/log.ts';
import type { SocketCallbacks } from '../lib/realtime.ts';
import { createRunFeed } from '../lib/run-feed.ts';
import { createRunStore } from '../lib/run-store.ts';
import { EMPTY_APPROVALS_TEXT, InboxPage, keepUnchanged } from './inbox.tsx';
import { fakeDocument } from '../../test/fixtures/fake-document.ts';

type Post = { url: string; body: unknown };

/** A scripted inbox endpoint: GET answers `inbox()`; POSTs are recorded and answered by `onPost`. */
function createInboxServer(initial: Inbox, onPost: (post: Post) => { status: number; body: unknown } = () => ({ status: 200, body: {} })) {
  let inbox = initial;
  const posts: Post[] = [];
  let gets = 0;
  const fetch: FetchLike = (url, init) => {
    const reply = (status: number, body: unknown) =>
      Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
    if ((init?.method ?? 'GET') === 'GET') {
      gets += 1;
      return reply(200, inbox);
    }
    const post = { url, body: JSON.parse(String(init?.body)) };
    posts.push(post);
    const answer = onPost(post);
    return reply(answer.status, answer.body);
  };
  return {
    fetch,
    posts,
    gets: () => gets,
    set: (next: Inbox) => {
      inbox = next;
    },
  };
}

/** The console's run feed over one in-memory socket: the test plays the edge's side of it. */
function createSocketFeed() {
  const dials: SocketCallbacks[] = [];
  const feed = createRunFeed({
    store: createRunStore(),
    log: createLogger(),
    location: { protocol: 'http:', host: 'console.test' },
    scopes: [{ kind: 'all' }],
    fetchRuns: () => Promise.resolve({ items: [], lastEventId: 10 }),
    openSocket: (_url, callbacks) => {
      dials.push(callbacks);
      return { send: () => undefined, close: () => undefined };
    },
    random: () => 0.5,
  });
  const socket = (): SocketCallbacks => {
    const dial = dials.at(-1);
    if (dial === undefined) {
      throw new Error('not dialed');
    }
    return dial;
  };
  let nextId = 10;
  return {
    feed,
    ready: () => socket().onMessage(JSON.stringify({ type: 'ready', last_event_id: nextId })),
    event: (topic: string, payload: unknown) => {
      nextId += 1;
      socket().onMessage(JSON.stringify({ type: 'event', id: nextId, topic, payload }));
    },
    drop: () => socket().onClose(1006, ''),
  };
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** An empty inbox page on a live socket (fake timers), after its first fetch. */
async function openLiveInbox() {
  vi.useFakeTimers();
  const server = createInboxServer({ approvals: [], questions: [] });
  const sockets = createSocketFeed();
  sockets.feed.start();
  await vi.advanceTimersByTimeAsync(0);
  sockets.ready();
  render(() => <InboxPage feed={sockets.feed} fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);
  await vi.advanceTimersByTimeAsync(0);
  expect(server.gets()).toBe(1);
  return { server, sockets };
}

describe('InboxPage', () => {
  it('lists approvals with their facts and questions with their options', async () => {
    const approval = makeApproval({ run: { ...makeApproval().run, repository_full_name: 'acme/billing', issue_number: 57, agent_key: 'sa' } });
    const question = makeQuestion();
    const server = createInboxServer({ approvals: [approval], questions: [question] });
    render(() => <InboxPage fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);

    const card = await screen.findByTestId('inbox-approval');
    expect(card).toHaveAttribute('data-request-id', approval.request_id);
    expect(card).toHaveTextContent('secret_sync');
    expect(card).toHaveTextContent('apply');
    expect(card).toHaveTextContent('environment=staging');
    expect(card).toHaveTextContent('acme/billing#57');
    expect(card).toHaveTextContent('sa');
    expect(within(card).getByTestId('approve')).toBeEnabled();
    expect(within(card).getByTestId('deny')).toBeEnabled();

    const asked = screen.getByTestId('inbox-question');
    expect(asked).toHaveAttribute('data-interaction-id', question.interaction_id);
    expect(within(asked).getAllByTestId('answer-option').map((button) => button.dataset['optionId'])).toEqual(['staging', 'prod']);
    expect(within(asked).getByTestId('answer-text')).toBeInTheDocument();
    expect(within(asked).getByTestId('answer-text-submit')).toBeDisabled();
  });

  it('disables the decision with the reason when the role may not decide, and hides answers not addressed to the caller', async () => {
    const server = createInboxServer({
      approvals: [makeApproval({ may_decide: false, approval_mode: 'owner' })],
      questions: [makeQuestion({ may_answer: false, recipient_login: 'mona' })],
    });
    render(() => <InboxPage fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);
    const card = await screen.findByTestId('inbox-approval');
    const approve = within(card).getByTestId('approve');
    expect(approve).toBeDisabled();
    expect(within(card).getByTestId('deny')).toBeDisabled();
    expect(approve.parentElement).toHaveAttribute('title', 'Your role may not decide owner requests in this project');
    expect(approve).toHaveAccessibleDescription('Your role may not decide owner requests in this project');
    const asked = screen.getByTestId('inbox-question');
    expect(within(asked).queryByTestId('answer-option')).toBeNull();
    expect(within(asked).queryByTestId('answer-text')).toBeNull();
    expect(asked).toHaveTextContent('Waiting for @mona to answer.');
  });

  it('removes a decided approval at once and fetches the list again', async () => {
    const approval = makeApproval();
    const server = createInboxServer({ approvals: [approval], questions: [] });
    render(() => <InboxPage fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);
    const card = await screen.findByTestId('inbox-approval');
    fireEvent.input(within(card).getByTestId('decision-reason'), { target: { value: 'ok for staging' } });
    server.set({ approvals: [], questions: [] });
    fireEvent.click(within(card).getByTestId('deny'));
    await screen.findByText(EMPTY_APPROVALS_TEXT);
    expect(server.posts).toEqual([
      { url: `/api/v1/staff/approvals/${approval.request_id}/decision`, body: { decision: 'deny', reason: 'ok for staging' } },
    ]);
    expect(screen.getByTestId('inbox-notice')).toHaveAttribute('data-kind', 'done');
    expect(server.gets()).toBe(2);
  });

  it('says who decided first on 409 and refreshes the list', async () => {
    const approval = makeApproval();
    const server = createInboxServer({ approvals: [approval], questions: [] }, () => ({
      status: 409,
      body: { error: { code: 'conflict', message: 'already decided by telegram:mona (approved)' } },
    }));
    render(() => <InboxPage fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);
    const card = await screen.findByTestId('inbox-approval');
    server.set({ approvals: [], questions: [] });
    fireEvent.click(within(card).getByTestId('approve'));
    const notice = await screen.findByTestId('inbox-notice');
    expect(notice).toHaveAttribute('data-kind', 'conflict');
    expect(notice).toHaveTextContent('already decided by telegram:mona (approved)');
    await screen.findByText(EMPTY_APPROVALS_TEXT);
  });

  it('answers with an option or free text', async () => {
    const question = makeQuestion();
    const server = createInboxServer({ approvals: [], questions: [question] }, () => ({
      status: 200,
      body: { interaction_id: question.interaction_id, state: 'answered', response: {} },
    }));
    render(() => <InboxPage fetch={server.fetch} log={createLogger()} document={fakeDocument().doc} />);
    const asked = await screen.findByTestId('inbox-question');
    fireEvent.input(within(asked).getByTestId('answer-text'), { target: { value: '  staging-2 please ' } });
    server.set({ approvals: [], questions: [] });
    fireEvent.click(within(asked).getByTestId('answer-text-submit'));
    await vi.waitFor(() => expect(server.posts).toHaveLength(1));
    expect(server.posts[0]).toEqual({ url: `/api/v1/staff/questions/${question.interaction_id}/answer`, body: { text: 'staging-2 please' } });
    await vi.waitFor(() => expect(screen.queryByTestId('inbox-question')).toBeNull());
  });

  it('fetches again when the socket says the inbox changed, and does not poll while live', async () => {
    const { server, sockets } = await openLiveInbox();
    expect(screen.getByText(EMPTY_APPROVALS_TEXT)).toBeInTheDocument();

    const late = makeApproval();
    server.set({ approvals: [late], questions: [] });
    sockets.event('run.status', { run: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.gets()).toBe(1);
    sockets.event('inbox.changed', { kind: 'approval', id: late.request_id, run_id: late.run.id, state: 'requested' });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.gets()).toBe(2);
    expect(screen.getByTestId('inbox-approval')).toHaveAttribute('data-request-id', late.request_id);

    await vi.advanceTimersByTimeAsync(3 * INBOX_FALLBACK_POLL_MS);
    expect(server.gets()).toBe(2);
    sockets.feed.stop();
  });

  it('polls while the socket is down, and fetches once when it is live again', async () => {
    const { server, sockets } = await openLiveInbox();

    sockets.drop();
    await vi.advanceTimersByTimeAsync(INBOX_FALLBACK_POLL_MS);
    expect(server.gets()).toBe(2);
    // The redial (after the backoff) replays and says ready: what it missed is fetched once, and polling ends.
    sockets.ready();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.gets()).toBe(3);
    await vi.advanceTimersByTimeAsync(3 * INBOX_FALLBACK_POLL_MS);
    expect(server.gets()).toBe(3);
    sockets.feed.stop();
  });

  it('without sockets, polls every 15 s while visible, not while hidden, and at once when shown again', async () => {
    vi.useFakeTimers();
    const server = createInboxServer({ approvals: [], questions: [] });
    const visibility = fakeDocument();
    render(() => <InboxPage feed={null} fetch={server.fetch} log={createLogger()} document={visibility.doc} />);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.gets()).toBe(1);
    await vi.advanceTimersByTimeAsync(INBOX_FALLBACK_POLL_MS);
    expect(server.gets()).toBe(2);
    visibility.hide();
    await vi.advanceTimersByTimeAsync(3 * INBOX_FALLBACK_POLL_MS);
    expect(server.gets()).toBe(2);
    visibility.show();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.gets()).toBe(3);
  });
});

describe('keepUnchanged', () => {
  it('reuses unchanged items so their cards keep what was typed', () => {
    const same = makeApproval();
    const changed = makeApproval();
    const held: Inbox = { approvals: [same, changed], questions: [] };
    const next = keepUnchanged(held, {
      approvals: [structuredClone(same), { ...changed, expires_at: '2026-03-01T11:00:00.000Z' }],
      questions: [],
    });
    expect(next.approvals[0]).toBe(same);
    expect(next.approvals[1]).not.toBe(changed);
  });
});
