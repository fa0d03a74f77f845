import { afterEach, describe, expect, it, vi } from 'vitest';
import { startVisiblePoll, type VisibilityTarget } from './visible-poll.ts';

function fakeDocument() {
  let state: DocumentVisibilityState = 'visible';
  const listeners = new Set<() => void>();
  const doc = {
    get visibilityState() {
      return state;
    },
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  } as unknown as VisibilityTarget;
  return {
    doc,
    listeners,
    set(next: DocumentVisibilityState) {
      state = next;
      for (const listener of listeners) {
        listener();
      }
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('startVisiblePoll', () => {
  it('loads at once, on every interval while visible, not while hidden, and at once when shown again', () => {
    vi.useFakeTimers();
    const page = fakeDocument();
    const load = vi.fn();
    const stop = startVisiblePoll(load, 10_000, page.doc);
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(load).toHaveBeenCalledTimes(2);
    page.set('hidden');
    vi.advanceTimersByTime(30_000);
    expect(load).toHaveBeenCalledTimes(2);
    page.set('visible');
    expect(load).toHaveBeenCalledTimes(3);
    stop();
    vi.advanceTimersByTime(30_000);
    expect(load).toHaveBeenCalledTimes(3);
    expect(page.listeners.size).toBe(0);
  });
});
