// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRun, runStatusEvent } from '../../test/fixtures/make-run.ts';
import { ApiError, type RunList } from './api.ts';
import { createLogger } from './log.ts';
import type { OpenSocket, SocketCallbacks } from './realtime.ts';
import { createRunFeed, POLL_INTERVAL_MS } from './run-feed.ts';
import { createRunStore } from './run-store.ts';

/** The edge side of the feed: a scripted runs list and in-memory sockets. */
function createHarness(lists: (RunList | Error)[]) {
  const dials: { url: string; callbacks: SocketCallbacks }[] = [];
  let fetches = 0;
  const fetchRuns = (): Promise<RunList> => {
    const next = lists[Math.min(fetches, lists.length - 1)];
    fetches += 1;
    if (next === undefined) {
      return Promise.reject(new Error('no list scripted'));
    }
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  const openSocket: OpenSocket = (url, callbacks) => {
    dials.push({ url, callbacks });
    return { send: () => undefined, close: () => undefined };
  };
  const store = createRunStore();
  const feed = createRunFeed({
    store,
    log: createLogger(),
    location: { protocol: 'http:', host: 'console.test' },
    fetchRuns,
    openSocket,
    random: () => 0.5,
  });
  const socket = () => {
    const dial = dials.at(-1);
    if (dial === undefined) {
      throw new Error('not dialed');
    }
    return dial.callbacks;
  };
  const frame = (value: unknown): void => socket().onMessage(JSON.stringify(value));
  return { store, feed, dials, socket, frame, fetchCount: () => fetches };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createRunFeed', () => {
  it('paints from HTTP, then dials with the list cursor and goes live on ready', async () => {
    const run = makeRun({ status: 'pending', version: 1 });
    const h = createHarness([{ items: [run], lastEventId: 40 }]);
    h.feed.start();
    expect(h.feed.loading()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.feed.loading()).toBe(false);
    expect(h.dials.map((dial) => dial.url)).toEqual(['ws://console.test/api/v1/realtime?last_event_id=40']);
    expect(h.feed.connection()).toBe('reconnecting');
    h.frame({ type: 'event', ...runStatusEvent(41, { ...run, status: 'running', version: 2 }) });
    h.frame({ type: 'ready', last_event_id: 41 });
    expect(h.feed.connection()).toBe('live');
    expect(h.store.runs[0]?.status).toBe('running');
    h.feed.stop();
  });

  it('polls every 10 s while the socket is down and stops once it is live again', async () => {
    const run = makeRun({ status: 'pending', version: 1 });
    const h = createHarness([
      { items: [run], lastEventId: 40 },
      { items: [{ ...run, status: 'failed', version: 2 }], lastEventId: 45 },
    ]);
    h.feed.start();
    await vi.advanceTimersByTimeAsync(0);
    h.frame({ type: 'ready', last_event_id: 40 });
    h.socket().onClose(1006, '');
    expect(h.feed.connection()).toBe('reconnecting');

    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    expect(h.feed.connection()).toBe('polling');
    expect(h.fetchCount()).toBe(2);
    expect(h.store.runs[0]?.status).toBe('failed');
    expect(h.store.lastEventId()).toBe(45);

    h.frame({ type: 'ready', last_event_id: 45 });
    expect(h.feed.connection()).toBe('live');
    await vi.advanceTimersByTimeAsync(3 * POLL_INTERVAL_MS);
    expect(h.fetchCount()).toBe(2);
    h.feed.stop();
  });

  it('shows a failed first load and retries it once the socket is live', async () => {
    const run = makeRun();
    const h = createHarness([new ApiError(503, 'unavailable', 'edge is down'), { items: [run], lastEventId: 9 }]);
    h.feed.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.feed.loadError()).toBe('edge is down');
    expect(h.dials[0]?.url).toContain('last_event_id=0');
    h.frame({ type: 'ready', last_event_id: 9 });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.feed.loadError()).toBeNull();
    expect(h.store.runs.map((held) => held.id)).toEqual([run.id]);
    h.feed.stop();
  });

  it('stops dialing and polling on stop', async () => {
    const h = createHarness([{ items: [], lastEventId: 1 }]);
    h.feed.start();
    await vi.advanceTimersByTimeAsync(0);
    h.feed.stop();
    await vi.advanceTimersByTimeAsync(5 * POLL_INTERVAL_MS);
    expect(h.dials).toHaveLength(1);
    expect(h.fetchCount()).toBe(1);
  });
});
