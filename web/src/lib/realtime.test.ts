// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './log.ts';
import type { RealtimeEvent } from './realtime-message.ts';
import {
  createRealtimeConnection,
  FIRST_MESSAGE_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  PING_INTERVAL_MS,
  toRealtimeUrl,
  type OpenSocket,
  type RealtimeStatus,
  type SocketCallbacks,
} from './realtime.ts';

/** An in-memory socket: the test plays the server side. */
type FakeSocket = {
  url: string;
  sent: string[];
  closed: boolean;
  callbacks: SocketCallbacks;
};

function createHarness(options: { onReset?: () => Promise<void>; onRefused?: () => void; failDials?: number } = {}) {
  let failDials = options.failDials ?? 0;
  const sockets: FakeSocket[] = [];
  const events: RealtimeEvent[] = [];
  const statuses: RealtimeStatus[] = [];
  let cursor = 7;
  const openSocket: OpenSocket = (url, callbacks) => {
    if (failDials > 0) {
      failDials -= 1;
      throw new SyntaxError(`cannot open ${url}`);
    }
    const socket: FakeSocket = { url, sent: [], closed: false, callbacks };
    sockets.push(socket);
    return {
      send: (data) => socket.sent.push(data),
      close: () => {
        socket.closed = true;
      },
    };
  };
  const connection = createRealtimeConnection({
    url: (lastEventId) => toRealtimeUrl({ protocol: 'https:', host: 'console.example' }, lastEventId, { kind: 'all' }),
    getLastEventId: () => cursor,
    onEvent: (event) => {
      events.push(event);
      cursor = Math.max(cursor, event.id);
    },
    onReady: (id) => {
      cursor = Math.max(cursor, id);
    },
    onReset: options.onReset ?? (() => Promise.resolve()),
    onStatus: (status) => statuses.push(status),
    onRefused: options.onRefused,
    log: createLogger({ fields: { test: true } }),
    openSocket,
    random: () => 0.5,
  });
  const last = (): FakeSocket => {
    const socket = sockets.at(-1);
    if (socket === undefined) {
      throw new Error('no socket dialed');
    }
    return socket;
  };
  const send = (frame: unknown): void => last().callbacks.onMessage(JSON.stringify(frame));
  return {
    sockets,
    events,
    statuses,
    connection,
    last,
    send,
    setCursor: (id: number) => {
      cursor = id;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  // The logger writes through console; keep test output quiet.
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('toRealtimeUrl', () => {
  it('matches the page protocol and host', () => {
    expect(toRealtimeUrl({ protocol: 'http:', host: '127.0.0.1:5173' }, 0, { kind: 'all' })).toBe(
      'ws://127.0.0.1:5173/api/v1/realtime?last_event_id=0',
    );
    expect(toRealtimeUrl({ protocol: 'https:', host: 'stageline.example' }, 42, { kind: 'all' })).toBe(
      'wss://stageline.example/api/v1/realtime?last_event_id=42',
    );
  });

  it('names the project for a project channel and leaves it out for every project', () => {
    const location = { protocol: 'https:', host: 'stageline.example' };
    const projectId = 'b9d6e1c2-0000-4000-8000-000000000001';
    expect(toRealtimeUrl(location, 7, { kind: 'project', projectId })).toBe(
      `wss://stageline.example/api/v1/realtime?last_event_id=7&project=${projectId}`,
    );
    expect(new URL(toRealtimeUrl(location, 7, { kind: 'project', projectId: 'a&b=c' })).searchParams.get('project')).toBe(
      'a&b=c',
    );
    expect(new URL(toRealtimeUrl(location, 7, { kind: 'all' })).searchParams.has('project')).toBe(false);
  });
});

describe('createRealtimeConnection', () => {
  it('dials with the cursor, forwards events and goes live on ready', () => {
    const h = createHarness();
    h.connection.start();
    expect(h.last().url).toBe('wss://console.example/api/v1/realtime?last_event_id=7');
    h.last().callbacks.onOpen();
    h.send({ type: 'event', id: 8, topic: 'run.status', payload: { run: null } });
    h.send({ type: 'ready', last_event_id: 8 });
    expect(h.events.map((event) => event.id)).toEqual([8]);
    expect(h.statuses).toEqual(['connecting', 'live']);
  });

  it('pings every 25 s while open and drops a socket silent for 60 s', () => {
    const h = createHarness();
    h.connection.start();
    h.last().callbacks.onOpen();
    h.send({ type: 'ready', last_event_id: 7 });
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(h.last().sent).toEqual(['ping']);
    h.last().callbacks.onMessage('pong');
    vi.advanceTimersByTime(IDLE_TIMEOUT_MS - 1);
    expect(h.last().closed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(h.sockets[0]?.closed).toBe(true);
    expect(h.statuses.at(-1)).toBe('closed');
  });

  it('fails an attempt with no first message within 10 s and retries on the backoff schedule', () => {
    const h = createHarness();
    h.connection.start();
    vi.advanceTimersByTime(FIRST_MESSAGE_TIMEOUT_MS);
    expect(h.sockets[0]?.closed).toBe(true);
    vi.advanceTimersByTime(599);
    expect(h.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(2);
    // Second failure: the next delay is 600 × 1.8.
    h.last().callbacks.onClose(1006, '');
    vi.advanceTimersByTime(1079);
    expect(h.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(3);
  });

  it('reconnects with the highest event id seen and resets the backoff after ready', () => {
    const h = createHarness();
    h.connection.start();
    h.last().callbacks.onClose(1006, ''); // attempt 0 → 600 ms
    vi.advanceTimersByTime(600);
    h.last().callbacks.onClose(1006, ''); // attempt 1 → 1080 ms
    vi.advanceTimersByTime(1080);
    h.send({ type: 'event', id: 31, topic: 'run.status', payload: {} });
    h.send({ type: 'ready', last_event_id: 31 });
    h.last().callbacks.onClose(1001, 'edge deploy');
    vi.advanceTimersByTime(600); // back to the first step
    expect(h.sockets.map((socket) => new URL(socket.url).searchParams.get('last_event_id'))).toEqual([
      '7',
      '7',
      '7',
      '31',
    ]);
  });

  it('ignores callbacks of a socket it already dropped', () => {
    const h = createHarness();
    h.connection.start();
    const first = h.last();
    vi.advanceTimersByTime(FIRST_MESSAGE_TIMEOUT_MS + 600);
    expect(h.sockets).toHaveLength(2);
    first.callbacks.onMessage(JSON.stringify({ type: 'event', id: 99, topic: 't', payload: null }));
    first.callbacks.onClose(1006, '');
    vi.advanceTimersByTime(FIRST_MESSAGE_TIMEOUT_MS - 1);
    expect(h.events).toEqual([]);
    expect(h.sockets).toHaveLength(2);
  });

  it('on reset closes the socket, waits for the reload, then dials with the new cursor at once', async () => {
    let finishReload: () => void = () => undefined;
    const h = createHarness({
      onReset: () =>
        new Promise<void>((resolve) => {
          finishReload = resolve;
        }),
    });
    h.connection.start();
    h.send({ type: 'reset' });
    expect(h.sockets[0]?.closed).toBe(true);
    h.connection.retryNow(); // a visibility change during the reload must not dial with the stale cursor
    expect(h.sockets).toHaveLength(1);
    h.setCursor(500);
    finishReload();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sockets).toHaveLength(2);
    expect(h.last().url).toContain('last_event_id=500');
  });

  it('retries on the backoff schedule when opening the socket throws', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const h = createHarness({ failDials: 1 });
    h.connection.start();
    expect(h.sockets).toHaveLength(0);
    expect(h.statuses).toEqual(['connecting', 'closed']);
    vi.advanceTimersByTime(600);
    expect(h.sockets).toHaveLength(1);
  });

  it('reports a socket that closed before it opened as refused, and not one that opened', () => {
    let refused = 0;
    const h = createHarness({
      onRefused: () => {
        refused += 1;
      },
    });
    h.connection.start();
    h.last().callbacks.onClose(1006, '');
    expect(refused).toBe(1);
    vi.advanceTimersByTime(600);
    h.last().callbacks.onOpen();
    h.last().callbacks.onClose(1006, '');
    expect(refused).toBe(1);
    // An open socket the edge closed because the person's access ended counts as refused.
    const dialled = h.sockets.length;
    vi.advanceTimersByTime(2000);
    expect(h.sockets.length).toBe(dialled + 1);
    h.last().callbacks.onOpen();
    h.last().callbacks.onClose(4403, 'removed from the project');
    expect(refused).toBe(2);
  });

  it('stop closes the socket and cancels retries', () => {
    const h = createHarness();
    h.connection.start();
    h.last().callbacks.onClose(1006, '');
    h.connection.stop();
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});
