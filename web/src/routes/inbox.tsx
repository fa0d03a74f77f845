/**
 * Inbox (`/inbox`, docs/domain.md §7.1): the open approval requests and
 * questions of the caller's projects. It is live: the list is fetched again
 * on every `inbox.changed` event of the console's sockets, after every
 * decision or answer, and by a fallback poll only while a socket is down
 * (lib/inbox-refresh.ts).
 *
 * A decided item leaves the list at once. When someone else was first (409),
 * the page says who and fetches the list again.
 */
import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { ApprovalCard } from '../components/approval-card.tsx';
import { QuestionCard } from '../components/question-card.tsx';
import type { FetchLike } from '../lib/api.ts';
import {
  answerQuestion,
  decideApproval,
  fetchInbox,
  type Answer,
  type Decision,
  type Inbox,
  type InboxApproval,
  type InboxQuestion,
} from '../lib/inbox-api.ts';
import { createInboxRefresh } from '../lib/inbox-refresh.ts';
import type { Logger } from '../lib/log.ts';
import type { RunFeed } from '../lib/run-feed.ts';

export const EMPTY_APPROVALS_TEXT = 'No approval requests are waiting.';
export const EMPTY_QUESTIONS_TEXT = 'No questions are waiting.';

/** The outcome of the last action, shown above the lists. */
type Notice = { kind: 'done' | 'conflict' | 'error'; text: string };

export type InboxPageProps = {
  fetch: FetchLike;
  log: Logger;
  /** The console's sockets; without them (null, or left out) the page polls. */
  feed?: Pick<RunFeed, 'connection' | 'subscribe'> | null;
  /** Injected in tests; defaults to the page's `document`. */
  document?: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;
};

export function InboxPage(props: InboxPageProps) {
  const doc = props.document ?? document;
  const [inbox, setInbox] = createSignal<Inbox | null>(null);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<Notice | null>(null);
  const [busy, setBusy] = createSignal<ReadonlySet<string>>(new Set());
  const [now, setNow] = createSignal(new Date());
  /** Bumped by every load and action: an answer that arrives after a newer one started is dropped. */
  let generation = 0;

  async function load(): Promise<void> {
    const started = ++generation;
    try {
      const next = await fetchInbox({ fetch: props.fetch });
      if (started === generation) {
        setInbox(keepUnchanged(inbox(), next));
        setLoadError(null);
        setNow(new Date());
      }
    } catch (error) {
      props.log.warn('loading the inbox failed', { error: String(error) });
      if (started === generation) {
        setLoadError(messageOf(error));
      }
    }
  }

  const feed = props.feed ?? null;
  const refresher = createInboxRefresh({ load, subscribe: feed === null ? null : (listener) => feed.subscribe(listener), doc });
  createEffect(() => refresher.setLive(feed?.connection() === 'live'));
  onCleanup(() => refresher.stop());

  function setItemBusy(id: string, on: boolean): void {
    const next = new Set(busy());
    if (on) {
      next.add(id);
    } else {
      next.delete(id);
    }
    setBusy(next);
  }

  /** Runs one action on an item: busy meanwhile, a stale list load ignored, the list fetched again after. */
  async function act(id: string, action: () => Promise<Notice & { remove: boolean }>): Promise<void> {
    setItemBusy(id, true);
    generation += 1;
    try {
      const outcome = await action();
      if (outcome.remove) {
        const held = inbox();
        if (held !== null) {
          setInbox({
            approvals: held.approvals.filter((item) => item.request_id !== id),
            questions: held.questions.filter((item) => item.interaction_id !== id),
          });
        }
      }
      setNotice({ kind: outcome.kind, text: outcome.text });
    } catch (error) {
      props.log.warn('inbox action failed', { id, error: String(error) });
      setNotice({ kind: 'error', text: messageOf(error) });
    } finally {
      setItemBusy(id, false);
      await refresher.refresh();
    }
  }

  function decide(item: InboxApproval, decision: Decision, reason: string): void {
    void act(item.request_id, async () => {
      const outcome = await decideApproval(item.request_id, { decision, reason }, { fetch: props.fetch });
      if (outcome.kind === 'conflict') {
        return { kind: 'conflict', text: `${item.tool_name} ${item.action}: ${outcome.message}`, remove: false };
      }
      const verb = decision === 'approve' ? 'Approved' : 'Denied';
      return { kind: 'done', text: `${verb} ${item.tool_name} ${item.action}.`, remove: true };
    });
  }

  function answer(item: InboxQuestion, given: Answer): void {
    void act(item.interaction_id, async () => {
      const outcome = await answerQuestion(item.interaction_id, given, { fetch: props.fetch });
      if (outcome.kind === 'conflict') {
        return { kind: 'conflict', text: `“${item.question}”: ${outcome.message}`, remove: false };
      }
      return { kind: 'done', text: 'Answer sent.', remove: true };
    });
  }

  onMount(() => void refresher.refresh());

  return (
    <section class="page inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title" class="page-title">
        Inbox
      </h2>
      <div aria-live="polite">
        <Show when={notice()}>
          {(shown) => (
            <p class="notice" data-kind={shown().kind} data-testid="inbox-notice" role={shown().kind === 'done' ? 'status' : 'alert'}>
              {shown().text}
              <button type="button" class="notice-close" aria-label="Dismiss" onClick={() => setNotice(null)}>
                ×
              </button>
            </p>
          )}
        </Show>
      </div>
      <Show when={loadError()}>
        {(message) => (
          <p class="notice" data-kind="error" role="alert">
            Could not load the inbox: {message()}
          </p>
        )}
      </Show>
      <Show when={inbox()} fallback={<p class="empty-line">{loadError() === null ? 'Loading the inbox…' : ''}</p>}>
        {(held) => (
          <>
            <section class="inbox-section" aria-labelledby="inbox-approvals-title">
              <h3 id="inbox-approvals-title" class="section-title">
                Approval requests <span class="count">{held().approvals.length}</span>
              </h3>
              <For each={held().approvals} fallback={<p class="empty-line">{EMPTY_APPROVALS_TEXT}</p>}>
                {(item) => (
                  <ApprovalCard
                    item={item}
                    now={now()}
                    busy={busy().has(item.request_id)}
                    onDecide={(decision, reason) => decide(item, decision, reason)}
                  />
                )}
              </For>
            </section>
            <section class="inbox-section" aria-labelledby="inbox-questions-title">
              <h3 id="inbox-questions-title" class="section-title">
                Questions <span class="count">{held().questions.length}</span>
              </h3>
              <For each={held().questions} fallback={<p class="empty-line">{EMPTY_QUESTIONS_TEXT}</p>}>
                {(item) => (
                  <QuestionCard
                    item={item}
                    now={now()}
                    busy={busy().has(item.interaction_id)}
                    onAnswer={(given) => answer(item, given)}
                  />
                )}
              </For>
            </section>
          </>
        )}
      </Show>
    </section>
  );
}

/**
 * The new list, reusing the held object of every item that did not change, so
 * its card is not rebuilt by a refresh (a half-typed reason or answer stays).
 */
export function keepUnchanged(held: Inbox | null, next: Inbox): Inbox {
  if (held === null) {
    return next;
  }
  return {
    approvals: reuse(held.approvals, next.approvals, (item) => item.request_id),
    questions: reuse(held.questions, next.questions, (item) => item.interaction_id),
  };
}

function reuse<T>(held: readonly T[], next: readonly T[], idOf: (item: T) => string): T[] {
  const byId = new Map(held.map((item) => [idOf(item), item]));
  return next.map((item) => {
    const previous = byId.get(idOf(item));
    return previous !== undefined && JSON.stringify(previous) === JSON.stringify(item) ? previous : item;
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
