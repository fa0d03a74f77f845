/**
 * The console WebSocket `GET /api/v1/realtime?last_event_id=<n>&project=<id>`
 * (docs/domain.md §8.4). A platform admin may leave out `project` and follow
 * every project; anyone else opens one connection per project.
 *
 * CONNECTION FLOW
 *   connect(cursor) ──open──▶ replayed events… ──ready──▶ live events…
 *        ▲                                                    │
 *        └──── backoff (600 ms → 12 s, ×1.8, ±20 %) ◀── close / no message for 60 s
 *
 * - The cursor comes from `getLastEventId()` at every dial, so a reconnect asks
 *   only for what was missed.
 * - No message within 10 s of dialing counts as a failed attempt; once open, the
 *   client sends `ping` every 25 s (the edge auto-answers `pong`) and treats 60 s
 *   of silence as a dead socket.
 * - The backoff resets only after `ready`, so a server that accepts and drops
 *   the socket at once still gets spaced-out retries.
 * - `reset` closes the socket, awaits `onReset` (the caller reloads over HTTP and
 *   moves the cursor) and then dials again straight away.
 *
 * - A socket that closes before it ever opened was most likely refused (an
 *   expired session answers the upgrade with 401, which a browser cannot read):
 *   `onRefused` lets the caller check the session before the next attempt.
 *
 * - The edge closes a socket with 4403 when the person's access to it ended
 *   (signed out elsewhere, removed from the project): `onRefused` too.
 *
 * This module knows nothing about runs: events are handed to `onEvent` as decoded.
 */
import { computeBackoffDelay } from './backoff.ts';
import type { Logger } from './log.ts';
import { PING, toRealtimeMessage, type RealtimeEvent } from './realtime-message.ts';

export const REALTIME_PATH = '/api/v1/realtime';
export const FIRST_MESSAGE_TIMEOUT_MS = 10_000;
export const PING_INTERVAL_MS = 25_000;
export const IDLE_TIMEOUT_MS = 60_000;

/** Which channel a socket follows: every project (platform admins only) or one. */
export type RealtimeScope = { kind: 'all' } | { kind: 'project'; projectId: string };

/** The edge's close code for "your access to this channel ended" (edge/src/do/channel-state.ts). */
export const ACCESS_ENDED_CLOSE_CODE = 4403;

/** `connecting`: dialing or replaying; `live`: `ready` received; `closed`: waiting to retry (or stopped). */
export type RealtimeStatus = 'connecting' | 'live' | 'closed';

export type SocketCallbacks = {
  onOpen(): void;
  onMessage(data: string): void;
  onClose(code: number, reason: string): void;
};

export type SocketHandle = {
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

/** Opens a socket; tests inject an in-memory one, the page uses `openBrowserSocket`. */
export type OpenSocket = (url: string, callbacks: SocketCallbacks) => SocketHandle;

export type RealtimeOptions = {
  url: (lastEventId: number) => string;
  getLastEventId: () => number;
  onEvent: (event: RealtimeEvent) => void;
  onReady: (lastEventId: number) => void;
  onReset: () => Promise<void>;
  onStatus: (status: RealtimeStatus) => void;
  /** The socket closed before it opened (refused upgrade, network down). */
  onRefused?: () => void;
  log: Logger;
  openSocket?: OpenSocket;
  random?: () => number;
};

export type RealtimeConnection = {
  start(): void;
  stop(): void;
  /** Dial now instead of waiting out the backoff (page became visible, network came back). */
  retryNow(): void;
};

export const openBrowserSocket: OpenSocket = (url, callbacks) => {
  const socket = new WebSocket(url);
  socket.addEventListener('open', () => callbacks.onOpen());
  socket.addEventListener('message', (event: MessageEvent<unknown>) => {
    // The edge sends text frames only; a binary frame is ignored.
    if (typeof event.data === 'string') {
      callbacks.onMessage(event.data);
    }
  });
  socket.addEventListener('close', (event) => callbacks.onClose(event.code, event.reason));
  return socket;
};

/** `ws:`/`wss:` to match the page, on the page's own host (the edge serves both). */
export function toRealtimeUrl(
  location: Pick<Location, 'protocol' | 'host'>,
  lastEventId: number,
  scope: RealtimeScope,
): string {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const project = scope.kind === 'project' ? `&project=${encodeURIComponent(scope.projectId)}` : '';
  return `${protocol}//${location.host}${REALTIME_PATH}?last_event_id=${lastEventId}${project}`;
}

export function createRealtimeConnection(options: RealtimeOptions): RealtimeConnection {
  const openSocket = options.openSocket ?? openBrowserSocket;
  const random = options.random ?? Math.random;
  const log = options.log;

  let socket: SocketHandle | null = null;
  let running = false;
  let resetting = false;
  let attempt = 0;
  /** Bumped on every dial, so callbacks of an older socket can tell they are stale. */
  let generation = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  function dial(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    generation += 1;
    const url = options.url(options.getLastEventId());
    options.onStatus('connecting');
    log.debug('realtime dial', { url, attempt });
    try {
      socket = openSocket(url, callbacksFor(generation));
    } catch (error) {
      // `new WebSocket` throws synchronously on a malformed URL or a CSP refusal; retry like a failed dial.
      log.error('realtime dial failed', { url, error: String(error) });
      options.onStatus('closed');
      scheduleRetry();
      return;
    }
    armIdleTimer(FIRST_MESSAGE_TIMEOUT_MS);
  }

  /** Callbacks of one dial; once that socket is dropped or replaced they do nothing. */
  function callbacksFor(dialed: number): SocketCallbacks {
    const isCurrent = (): boolean => socket !== null && generation === dialed;
    let opened = false;
    return {
      onOpen: () => {
        if (isCurrent()) {
          opened = true;
          pingTimer = setInterval(() => socket?.send(PING), PING_INTERVAL_MS);
        }
      },
      onMessage: (data) => {
        if (isCurrent()) {
          armIdleTimer(IDLE_TIMEOUT_MS);
          handleMessage(data);
        }
      },
      onClose: (code, reason) => {
        if (isCurrent()) {
          log.info('realtime closed', { code, reason, opened });
          drop();
          // Refused, or closed because the person's access ended (signed out, removed from the project).
          if (!opened || code === ACCESS_ENDED_CLOSE_CODE) {
            options.onRefused?.();
          }
          scheduleRetry();
        }
      },
    };
  }

  function handleMessage(data: string): void {
    const message = toRealtimeMessage(data);
    switch (message?.kind) {
      case 'event':
        options.onEvent(message);
        return;
      case 'ready':
        attempt = 0;
        options.onReady(message.lastEventId);
        options.onStatus('live');
        return;
      case 'reset':
        log.info('realtime reset: reloading over HTTP');
        drop();
        resetting = true;
        void options
          .onReset()
          .then(
            () => {
              if (running) {
                dial();
              }
            },
            (error: unknown) => {
              log.warn('reload after reset failed', { error: String(error) });
              scheduleRetry();
            },
          )
          .finally(() => {
            resetting = false;
          });
        return;
      case 'pong':
        return;
      case undefined:
        log.warn('realtime: unknown frame', { data: data.slice(0, 200) });
        return;
    }
  }

  function armIdleTimer(ms: number): void {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      log.warn('realtime: no message in time, dropping the socket', { ms });
      drop();
      scheduleRetry();
    }, ms);
  }

  /** Forgets the current socket (its late callbacks are ignored) and closes it. */
  function drop(): void {
    clearTimeout(idleTimer);
    clearInterval(pingTimer);
    idleTimer = undefined;
    pingTimer = undefined;
    const previous = socket;
    socket = null;
    previous?.close(1000, 'client closing');
    options.onStatus('closed');
  }

  function scheduleRetry(): void {
    if (!running || retryTimer !== undefined) {
      return;
    }
    const delay = computeBackoffDelay(attempt, random);
    attempt += 1;
    retryTimer = setTimeout(dial, delay);
  }

  return {
    start() {
      if (running) {
        return;
      }
      running = true;
      attempt = 0;
      dial();
    },
    stop() {
      running = false;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      drop();
    },
    retryNow() {
      if (running && socket === null && !resetting) {
        dial();
      }
    },
  };
}
