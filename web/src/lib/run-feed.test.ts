// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRun, runStatusEvent } from '../../test/fixtures/make-run.ts';
import { ApiError, type RunList } from './api.ts';
import { createLogger } from './log.ts';
import type { OpenSocket, RealtimeScope, SocketCallbacks } from './realtime.ts';
import { createRunFeed, POLL_INTERVAL_MS } from './run-feed.ts';
import { createRunStore } from './run-store.ts';

/** The edge side of the feed: a scripted runs list and in-memory sockets. */
function createHarness(lists: (RunList | Error)[], scopes: RealtimeScope[] = [{ kind: 'all' }]) {
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
    scopes,
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
  /** The newest socket of one project. */
  const socketOf = (projectId: string): SocketCallbacks => {
    const dial = dials.findLast((held) => new URL(held.url).searchParams.get('project') === projectId);
    if (dial === undefined) {
      throw new Error(`${projectId} not dialed`);
    }
    return dial.callbacks;
  };
  const frameTo = (projectId: string, value: unknown): void => socketOf(projectId).onMessage(JSON.stringify(value));
  return { store, feed, dials, socket, socketOf, frame, frameTo, fetchCount: () => fetches };
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

  describe('with one socket per project', () => {
    const A = 'a0000000-0000-4000-8000-00000000000a';
    const B = 'b0000000-0000-4000-8000-00000000000b';
    const scopes: RealtimeScope[] = [
      { kind: 'project', projectId: A },
      { kind: 'project', projectId: B },
    ];

    it('dials every project with the list cursor and is live only once every socket is ready', async () => {
      const h = createHarness([{ items: [], lastEventId: 40 }], scopes);
      h.feed.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(h.dials.map((dial) => dial.url)).toEqual([
        `ws://console.test/api/v1/realtime?last_event_id=40&project=${A}`,
        `ws://console.test/api/v1/realtime?last_event_id=40&project=${B}`,
      ]);
      h.frameTo(A, { type: 'ready', last_event_id: 40 });
      expect(h.feed.connection()).toBe('reconnecting');
      h.frameTo(B, { type: 'ready', last_event_id: 40 });
      expect(h.feed.connection()).toBe('live');

      h.socketOf(B).onClose(1006, '');
      expect(h.feed.connection()).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
      expect(h.feed.connection()).toBe('polling');
      h.frameTo(B, { type: 'ready', last_event_id: 40 });
      expect(h.feed.connection()).toBe('live');
      h.feed.stop();
    });

    it('feeds one store from both sockets and resumes each from its own cursor', async () => {
      const a = makeRun({ project_id: A, status: 'pending', version: 1 });
      const b = makeRun({ project_id: B, status: 'pending', version: 1 });
      const h = createHarness([{ items: [a, b], lastEventId: 40 }], scopes);
      h.feed.start();
      await vi.advanceTimersByTimeAsync(0);
      h.frameTo(A, { type: 'ready', last_event_id: 40 });
      h.frameTo(B, { type: 'ready', last_event_id: 40 });

      h.socketOf(B).onClose(1006, ''); // B is down while A streams on
      h.frameTo(A, { type: 'event', ...runStatusEvent(50, { ...a, status: 'running', version: 2 }) });
      // A redelivered event (a replay overlapping the live stream) changes nothing.
      h.frameTo(A, { type: 'event', ...runStatusEvent(50, { ...a, status: 'pending', version: 1 }) });
      expect(h.store.runs.find((run) => run.id === a.id)?.status).toBe('running');

      await vi.advanceTimersByTimeAsync(600);
      const redial = h.dials.at(-1);
      // B's events 41..49 may still be missing: B must not resume after A's 50.
      expect(redial?.url).toBe(`ws://console.test/api/v1/realtime?last_event_id=40&project=${B}`);
      h.frameTo(B, { type: 'event', ...runStatusEvent(45, { ...b, status: 'failed', version: 2 }) });
      h.frameTo(B, { type: 'ready', last_event_id: 50 });
      expect(h.store.runs.find((run) => run.id === b.id)?.status).toBe('failed');
      expect(h.feed.connection()).toBe('live');

      h.socketOf(A).onClose(1006, '');
      await vi.advanceTimersByTimeAsync(600);
      expect(h.dials.at(-1)?.url).toBe(`ws://console.test/api/v1/realtime?last_event_id=50&project=${A}`);
      h.feed.stop();
    });

    it('moves every cursor to the reloaded list after a reset', async () => {
      const h = createHarness(
        [
          { items: [], lastEventId: 40 },
          { items: [], lastEventId: 90 },
        ],
        scopes,
      );
      h.feed.start();
      await vi.advanceTimersByTimeAsync(0);
      h.frameTo(A, { type: 'reset' });
      await vi.advanceTimersByTimeAsync(0);
      expect(h.dials.at(-1)?.url).toBe(`ws://console.test/api/v1/realtime?last_event_id=90&project=${A}`);
      h.socketOf(B).onClose(1006, '');
      await vi.advanceTimersByTimeAsync(600);
      expect(h.dials.at(-1)?.url).toBe(`ws://console.test/api/v1/realtime?last_event_id=90&project=${B}`);
      h.feed.stop();
    });

    it('hands the events of every socket, of any topic, to subscribers until they unsubscribe', async () => {
      const run = makeRun({ project_id: A, version: 1 });
      const h = createHarness([{ items: [run], lastEventId: 40 }], scopes);
      h.feed.start();
      await vi.advanceTimersByTimeAsync(0);
      const heard: { id: number; topic: string }[] = [];
      const unsubscribe = h.feed.subscribe((event) => heard.push({ id: event.id, topic: event.topic }));
      h.feed.subscribe(() => {
        throw new Error('a broken screen');
      });
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      h.frameTo(A, { type: 'event', id: 41, topic: 'inbox.changed', payload: { kind: 'approval', id: 'r-1', run_id: run.id, state: 'requested' } });
      h.frameTo(B, { type: 'event', ...runStatusEvent(42, { ...run, status: 'running', version: 2 }) });
      // The run store still gets its events, whatever a subscriber does.
      expect(h.store.runs[0]?.status).toBe('running');
      unsubscribe();
      h.frameTo(A, { type: 'event', id: 43, topic: 'inbox.changed', payload: {} });
      expect(heard).toEqual([
        { id: 41, topic: 'inbox.changed' },
        { id: 42, topic: 'run.status' },
      ]);
      h.feed.stop();
    });

    it('tells the caller when a socket is refused before it opens', async () => {
      let refused = 0;
      const store = createRunStore();
      const dials: SocketCallbacks[] = [];
      const feed = createRunFeed({
        store,
        log: createLogger(),
        location: { protocol: 'http:', host: 'console.test' },
        scopes,
        fetchRuns: () => Promise.resolve({ items: [], lastEventId: 1 }),
        openSocket: (_url, callbacks) => {
          dials.push(callbacks);
          return { send: () => undefined, close: () => undefined };
        },
        onDialRefused: () => {
          refused += 1;
        },
        random: () => 0.5,
      });
      feed.start();
      await vi.advanceTimersByTimeAsync(0);
      dials[0]?.onClose(1006, '');
      dials[1]?.onOpen();
      dials[1]?.onClose(1006, '');
      expect(refused).toBe(1);
      feed.stop();
    });
  });
});
