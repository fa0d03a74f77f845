/**
 * When the inbox fetches its list again (docs/domain.md §8.4): on every
 * `inbox.changed` event of the console's sockets, and by polling only while
 * a socket is down.
 *
 *   live ──inbox.changed──▶ refresh ─┐ one load in flight, at most one queued:
 *     │  ▲                           │ a burst of events costs two loads
 *     │  └── back live: refresh once (what the socket missed while down)
 *     ▼ a socket down (or no sockets at all)
 *   poll every 15 s while the page is visible, and at once when it is shown again
 *
 * The events carry ids and state only; the list comes from
 * `GET /api/v1/staff/inbox`, which checks what the caller may see.
 */
import type { RealtimeEvent } from './realtime-message.ts';
import type { VisibilityTarget } from './visible-poll.ts';

export const INBOX_CHANGED_TOPIC = 'inbox.changed';

/** The fallback poll while the socket is down: slower than live, as the run feed's fallback is. */
export const INBOX_FALLBACK_POLL_MS = 15_000;

export type InboxRefreshOptions = {
  /** Fetches and shows the list; reports its own failures and never rejects. */
  load: () => Promise<void>;
  /** The console's sockets; null when it has none (a member without projects). */
  subscribe: ((listener: (event: RealtimeEvent) => void) => () => void) | null;
  doc: VisibilityTarget;
  pollMs?: number;
};

export type InboxRefresh = {
  /** Loads again; resolves once a load that started after this call has finished. */
  refresh(): Promise<void>;
  /** Whether every socket is live; the caller reports each change of `connection()`. */
  setLive(live: boolean): void;
  stop(): void;
};

export function createInboxRefresh(options: InboxRefreshOptions): InboxRefresh {
  const pollMs = options.pollMs ?? INBOX_FALLBACK_POLL_MS;
  const doc = options.doc;
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let live: boolean | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;

  function refresh(): Promise<void> {
    if (inFlight === null) {
      inFlight = options.load().finally(() => {
        inFlight = null;
      });
      return inFlight;
    }
    // Whatever changed after the running load started is fetched by the one queued behind it.
    queued ??= inFlight.then(() => {
      queued = null;
      return refresh();
    });
    return queued;
  }

  const refreshIfVisible = (): void => {
    if (doc.visibilityState === 'visible') {
      void refresh();
    }
  };

  function startPolling(): void {
    if (pollTimer === undefined) {
      pollTimer = setInterval(refreshIfVisible, pollMs);
      doc.addEventListener('visibilitychange', refreshIfVisible);
    }
  }

  function stopPolling(): void {
    clearInterval(pollTimer);
    pollTimer = undefined;
    doc.removeEventListener('visibilitychange', refreshIfVisible);
  }

  const unsubscribe =
    options.subscribe?.((event) => {
      if (event.topic === INBOX_CHANGED_TOPIC) {
        void refresh();
      }
    }) ?? null;

  return {
    refresh,
    setLive(next) {
      if (next === live) {
        return;
      }
      const wasDown = live === false;
      live = next;
      if (!next) {
        startPolling();
        return;
      }
      stopPolling();
      if (wasDown) {
        void refresh();
      }
    },
    stop() {
      stopPolling();
      unsubscribe?.();
    },
  };
}
