/**
 * Keeps a `RunStore` current: first paint over HTTP, then the realtime socket,
 * with HTTP polling every 10 s while the socket is down (docs/domain.md §8.4).
 *
 *   start ─▶ GET /api/v1/staff/runs (replace) ─▶ socket(last_event_id) ─ready─▶ live
 *                                                   │ closed
 *                                                   ▼
 *                               poll GET /api/v1/staff/runs every 10 s (merge) until ready
 *
 * The connection indicator reads `connection()`: `live` after `ready`,
 * `reconnecting` while the socket is down but no fallback poll has run yet, and
 * `polling` once the fallback has taken over.
 */
import { createSignal, type Accessor } from 'solid-js';
import { fetchRuns as fetchRunsOverHttp, type RunList } from './api.ts';
import type { Logger } from './log.ts';
import {
  createRealtimeConnection,
  toRealtimeUrl,
  type OpenSocket,
  type RealtimeStatus,
} from './realtime.ts';
import type { RunStore } from './run-store.ts';

export const POLL_INTERVAL_MS = 10_000;

export type ConnectionState = 'live' | 'reconnecting' | 'polling';

export type RunFeedOptions = {
  store: RunStore;
  log: Logger;
  location: Pick<Location, 'protocol' | 'host'>;
  fetchRuns?: () => Promise<RunList>;
  openSocket?: OpenSocket;
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
};

export function createRunFeed(options: RunFeedOptions): RunFeed {
  const { store, log } = options;
  const fetchRuns = options.fetchRuns ?? (() => fetchRunsOverHttp());
  const [connection, setConnection] = createSignal<ConnectionState>('reconnecting');
  const [loading, setLoading] = createSignal(true);
  const [loadError, setLoadError] = createSignal<string | null>(null);
  let running = false;
  let pollTimer: ReturnType<typeof setInterval> | undefined;

  async function load(mode: 'replace' | 'merge'): Promise<void> {
    try {
      store.applyList(await fetchRuns(), mode);
      setLoadError(null);
    } catch (error) {
      log.warn('loading runs failed', { mode, error: String(error) });
      setLoadError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  function onStatus(status: RealtimeStatus): void {
    if (status === 'live') {
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

  const realtime = createRealtimeConnection({
    url: (lastEventId) => toRealtimeUrl(options.location, lastEventId),
    getLastEventId: () => store.snapshot().lastEventId,
    onEvent: (event) => store.applyEvent(event),
    onReady: (lastEventId) => store.applyReady(lastEventId),
    onReset: () => load('replace'),
    onStatus,
    log: log.with({ component: 'realtime' }),
    openSocket: options.openSocket,
    random: options.random,
  });

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
            realtime.start();
          }
        });
    },
    stop() {
      running = false;
      stopPolling();
      realtime.stop();
    },
    retryNow: () => realtime.retryNow(),
  };
}
