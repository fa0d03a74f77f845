/**
 * Keeps a `RunStore` current: first paint over HTTP, then the realtime sockets,
 * with HTTP polling every 10 s while a socket is down (docs/domain.md §8.4).
 *
 *   start ─▶ GET /api/v1/staff/runs (replace) ─▶ socket per scope(cursor) ─ready─▶ live
 *                                                   │ closed
 *                                                   ▼
 *                               poll GET /api/v1/staff/runs every 10 s (merge) until all ready
 *
 * A platform admin has one socket for every project; a member one per
 * project (`scopes`). All feed the same store, which drops repeated event ids
 * and older versions. Event ids are global, so each socket keeps its own
 * cursor: one project's live events must not move the cursor another
 * project's socket resumes from. A list load covers every project, so it
 * moves every cursor (to the list's cursor on `replace`, forward on `merge`).
 *
 * The connection indicator reads `connection()`: `live` while every socket has
 * had its `ready`, `reconnecting` while one is down but no fallback poll has
 * run yet, and `polling` once the (one, shared) fallback poll has taken over.
 *
 * Other screens follow the same sockets with `subscribe` (the inbox listens
 * for `inbox.changed`); they run their own fallback while `connection()` is
 * not `live`, because the runs poll does not load what they show.
 */
import { createSignal, type Accessor } from 'solid-js';
import { fetchRuns as fetchRunsOverHttp, type RunList } from './api.ts';
import type { Logger } from './log.ts';
import type { RealtimeEvent } from './realtime-message.ts';
import {
  createRealtimeConnection,
  toRealtimeUrl,
  type OpenSocket,
  type RealtimeConnection,
  type RealtimeScope,
  type RealtimeStatus,
} from './realtime.ts';
import type { RunListMode, RunStore } from './run-store.ts';

export const POLL_INTERVAL_MS = 10_000;

export type ConnectionState = 'live' | 'reconnecting' | 'polling';

export type RunFeedOptions = {
  store: RunStore;
  log: Logger;
  location: Pick<Location, 'protocol' | 'host'>;
  /** One socket each; at least one (callers show an empty state instead of a feed without projects). */
  scopes: readonly RealtimeScope[];
  fetchRuns?: () => Promise<RunList>;
  openSocket?: OpenSocket;
  /** A socket was refused before it opened: the session may have expired. */
  onDialRefused?: () => void;
  random?: () => number;
};

export type RunFeed = {
  readonly connection: Accessor<ConnectionState>;
  /** True until the first list load settles. */
  readonly loading: Accessor<boolean>;
  /** The last HTTP failure, cleared by the next success. */
  readonly loadError: Accessor<string | null>;
  start(): void;
  stop(): void;
  retryNow(): void;
  /** Calls `listener` with every event a socket delivers (replayed ones too), after the run store has it. Returns the unsubscribe. */
  subscribe(listener: (event: RealtimeEvent) => void): () => void;
};

export function createRunFeed(options: RunFeedOptions): RunFeed {
  const { store, log } = options;
  const fetchRuns = options.fetchRuns ?? (() => fetchRunsOverHttp());
  const [connection, setConnection] = createSignal<ConnectionState>('reconnecting');
  const [loading, setLoading] = createSignal(true);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  let running = false;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  const listeners = new Set<(event: RealtimeEvent) => void>();

  async function load(mode: RunListMode): Promise<void> {
    try {
      const list = await fetchRuns();
      store.applyList(list, mode);
      for (const channel of channels) {
        channel.cursor = mode === 'replace' ? list.lastEventId : Math.max(channel.cursor, list.lastEventId);
      }
      setLoadError(null);
    } catch (error) {
      log.warn('loading runs failed', { mode, error: String(error) });
      setLoadError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  function onStatus(channel: Channel, status: RealtimeStatus): void {
    channel.status = status;
    if (channels.every((held) => held.status === 'live')) {
      stopPolling();
      setConnection('live');
      if (loadError() !== null) {
        // The last HTTP load failed (first paint or a poll): the edge answers again, so fill the gaps once.
        load('merge').catch(() => {
          // Already logged and shown by load(); events keep the list current meanwhile.
        });
      }
      return;
    }
    if (connection() === 'live') {
      setConnection('reconnecting');
    }
    if (status === 'closed' && running) {
      startPolling();
    }
  }

  function startPolling(): void {
    if (pollTimer !== undefined) {
      return;
    }
    pollTimer = setInterval(() => {
      setConnection('polling');
      load('merge').catch(() => {
        // Already logged and shown by load(); the next tick retries.
      });
    }, POLL_INTERVAL_MS);
  }

  function stopPolling(): void {
    clearInterval(pollTimer);
    pollTimer = undefined;
  }

  const channels: Channel[] = options.scopes.map((scope) => {
    const channel: Channel = { cursor: 0, status: 'closed', connection: null };
    channel.connection = createRealtimeConnection({
      url: (lastEventId) => toRealtimeUrl(options.location, lastEventId, scope),
      getLastEventId: () => channel.cursor,
      onEvent: (event) => {
        channel.cursor = Math.max(channel.cursor, event.id);
        store.applyEvent(event);
        for (const listener of listeners) {
          try {
            listener(event);
          } catch (error) {
            // One screen's failure must not cost the others (or the socket) their events.
            log.error('realtime listener failed', { topic: event.topic, error: String(error) });
          }
        }
      },
      onReady: (lastEventId) => {
        channel.cursor = Math.max(channel.cursor, lastEventId);
        store.applyReady(lastEventId);
      },
      onReset: () => load('replace'),
      onStatus: (status) => onStatus(channel, status),
      onRefused: options.onDialRefused,
      log: log.with({ component: 'realtime', project: scope.kind === 'project' ? scope.projectId : 'all' }),
      openSocket: options.openSocket,
      random: options.random,
    });
    return channel;
  });
  const each = (act: (connection: RealtimeConnection) => void): void => {
    for (const channel of channels) {
      if (channel.connection !== null) {
        act(channel.connection);
      }
    }
  };

  return {
    connection,
    loading,
    loadError,
    start() {
      if (running) {
        return;
      }
      running = true;
      void load('replace')
        .catch(() => {
          // Shown by loadError(); the socket's replay or the fallback poll fills the list.
        })
        .finally(() => {
          setLoading(false);
          if (running) {
            each((connection) => connection.start());
          }
        });
    },
    stop() {
      running = false;
      stopPolling();
      each((connection) => connection.stop());
    },
    retryNow: () => each((connection) => connection.retryNow()),
    subscribe(listener) {
      // A wrapper per call, so the same function subscribed twice is also removed twice.
      const entry = (event: RealtimeEvent): void => listener(event);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
  };
}

/** One socket's state inside the feed. */
type Channel = {
  /** The highest event id this socket (or a list load) has covered; sent on its next dial. */
  cursor: number;
  status: RealtimeStatus;
  connection: RealtimeConnection | null;
};
