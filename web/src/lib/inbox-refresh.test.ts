import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInboxRefresh, INBOX_CHANGED_TOPIC, INBOX_FALLBACK_POLL_MS } from './inbox-refresh.ts';
import type { RealtimeEvent } from './realtime-message.ts';
import { fakeDocument } from '../../test/fixtures/fake-document.ts';

/** Loads that finish only when the test says so, counted. */
function createGatedLoad() {
  const pending: (() => void)[] = [];
  let started = 0;
  return {
    load: (): Promise<void> => {
      started += 1;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    started: () => started,
    /** Finishes the oldest unfinished load. */
    finish: async (): Promise<void> => {
      pending.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

/** Loads that finish at once, counted. */
function createCountedLoad() {
  let count = 0;
  return {
    load: (): Promise<void> => {
      count += 1;
      return Promise.resolve();
    },
    count: () => count,
  };
}

/** The subscribe side of the console's sockets: the test delivers events. */
function createSockets() {
  const listeners = new Set<(event: RealtimeEvent) => void>();
  let nextId = 100;
  return {
    subscribe: (listener: (event: RealtimeEvent) => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    deliver: (topic: string, payload: unknown = {}) => {
      nextId += 1;
      for (const listener of listeners) {
        listener({ id: nextId, topic, payload });
      }
    },
    listening: () => listeners.size,
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createInboxRefresh', () => {
  it('keeps one load in flight and queues one more behind it, however many events arrive', async () => {
    const gated = createGatedLoad();
    const sockets = createSockets();
    const refresher = createInboxRefresh({ load: gated.load, subscribe: sockets.subscribe, doc: fakeDocument().doc });
    refresher.setLive(true);
    for (let i = 0; i < 5; i += 1) {
      sockets.deliver(INBOX_CHANGED_TOPIC, { kind: 'approval', id: `r-${i}`, run_id: 'run-1', state: 'requested' });
    }
    expect(gated.started()).toBe(1);
    await gated.finish();
    // The queued load covers every event that came while the first was running.
    expect(gated.started()).toBe(2);
    await gated.finish();
    expect(gated.started()).toBe(2);
    refresher.stop();
  });

  it('resolves a refresh only after a load that started after it', async () => {
    const gated = createGatedLoad();
    const refresher = createInboxRefresh({ load: gated.load, subscribe: null, doc: fakeDocument().doc });
    refresher.setLive(true);
    let first = false;
    let second = false;
    void refresher.refresh().then(() => {
      first = true;
    });
    void refresher.refresh().then(() => {
      second = true;
    });
    await gated.finish();
    expect([first, second]).toEqual([true, false]);
    await gated.finish();
    expect(second).toBe(true);
    refresher.stop();
  });

  it('ignores other topics and stops listening on stop', async () => {
    const counted = createCountedLoad();
    const sockets = createSockets();
    const refresher = createInboxRefresh({ load: counted.load, subscribe: sockets.subscribe, doc: fakeDocument().doc });
    refresher.setLive(true);
    sockets.deliver('run.status', { run: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(counted.count()).toBe(0);
    sockets.deliver(INBOX_CHANGED_TOPIC);
    await vi.advanceTimersByTimeAsync(0);
    expect(counted.count()).toBe(1);
    refresher.stop();
    expect(sockets.listening()).toBe(0);
  });

  it('does not poll while live; polls while the socket is down and visible; back live, loads once and stops polling', async () => {
    const counted = createCountedLoad();
    const visibility = fakeDocument();
    const refresher = createInboxRefresh({ load: counted.load, subscribe: null, doc: visibility.doc });
    refresher.setLive(true);
    await vi.advanceTimersByTimeAsync(3 * INBOX_FALLBACK_POLL_MS);
    visibility.show();
    expect(counted.count()).toBe(0);

    refresher.setLive(false);
    await vi.advanceTimersByTimeAsync(INBOX_FALLBACK_POLL_MS);
    expect(counted.count()).toBe(1);
    visibility.hide();
    await vi.advanceTimersByTimeAsync(2 * INBOX_FALLBACK_POLL_MS);
    expect(counted.count()).toBe(1);
    visibility.show();
    await vi.advanceTimersByTimeAsync(0);
    expect(counted.count()).toBe(2);

    // What the socket missed while it was down is fetched once.
    refresher.setLive(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(counted.count()).toBe(3);
    await vi.advanceTimersByTimeAsync(3 * INBOX_FALLBACK_POLL_MS);
    visibility.show();
    expect(counted.count()).toBe(3);
    refresher.stop();
  });

  it('polls from the start when there is no live socket, and not after stop', async () => {
    const counted = createCountedLoad();
    const refresher = createInboxRefresh({ load: counted.load, subscribe: null, doc: fakeDocument().doc });
    refresher.setLive(false);
    await vi.advanceTimersByTimeAsync(2 * INBOX_FALLBACK_POLL_MS);
    expect(counted.count()).toBe(2);
    refresher.stop();
    await vi.advanceTimersByTimeAsync(2 * INBOX_FALLBACK_POLL_MS);
    expect(counted.count()).toBe(2);
  });
});
