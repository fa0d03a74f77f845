import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from './api.ts';
import { createLogger } from './log.ts';
import { createRunLog, LOG_POLL_MS, TAIL_MAX_LINES, TAIL_POLL_LINES } from './run-log.ts';

const ID = '4f2a91c0-0000-4000-8000-000000000001';

/** A fake edge holding one run's log; it answers the tail and history reads like the real one. */
function fakeLog(initial: string[]) {
  const log = [...initial];
  const asked: string[] = [];
  const fetch: FetchLike = (url) => {
    const parsed = new URL(url, 'http://edge');
    asked.push(`${parsed.pathname.replace(`/api/v1/staff/runs/${ID}`, '')}${parsed.search}`);
    const tail = Number(parsed.searchParams.get('tail_lines'));
    const body = parsed.pathname.endsWith('/history') ? { lines: log, next_after_seq: 0, done: true } : { run_id: ID, status: 'running', tail_lines: log.slice(-tail) };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };
  return { log, asked, fetch };
}

const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

afterEach(() => {
  vi.useRealTimers();
});

describe('createRunLog', () => {
  it('reads a big tail first, then small ones every 2 s; asks again big before calling a jump a gap; stops once terminal', async () => {
    vi.useFakeTimers();
    const edge = fakeLog(lines(0, 5));
    let terminal = false;
    await createRoot(async (dispose) => {
      const runLog = createRunLog({ fetch: edge.fetch, runId: ID, log: createLogger(), hidden: () => false });
      runLog.start(() => terminal);
      await vi.advanceTimersByTimeAsync(0);
      expect(runLog.view()).toEqual({ lines: lines(0, 5), gapAt: null, numbered: true });

      edge.log.push(...lines(5, 8));
      await vi.advanceTimersByTimeAsync(LOG_POLL_MS);
      expect(runLog.view().lines).toEqual(lines(0, 8));

      // More lines than a small window holds: the big window still reaches back, so nothing is lost.
      edge.log.push(...lines(8, 500));
      await vi.advanceTimersByTimeAsync(LOG_POLL_MS);
      expect(runLog.view()).toEqual({ lines: lines(0, 500), gapAt: null, numbered: true });
      expect(edge.asked).toEqual([
        `/logs?tail_lines=${TAIL_MAX_LINES}`,
        `/logs?tail_lines=${TAIL_POLL_LINES}`,
        `/logs?tail_lines=${TAIL_POLL_LINES}`,
        `/logs?tail_lines=${TAIL_MAX_LINES}`,
      ]);

      terminal = true;
      edge.log.push('the last line');
      await vi.advanceTimersByTimeAsync(LOG_POLL_MS * 3);
      expect(runLog.view().lines.at(-1)).toBe('the last line');
      expect(edge.asked).toHaveLength(5);
      runLog.stop();
      dispose();
    });
  });

  it('skips polls while the tab is hidden', async () => {
    vi.useFakeTimers();
    const edge = fakeLog(['a']);
    let hidden = false;
    await createRoot(async (dispose) => {
      const runLog = createRunLog({ fetch: edge.fetch, runId: ID, log: createLogger(), hidden: () => hidden });
      runLog.start(() => false);
      await vi.advanceTimersByTimeAsync(0);
      hidden = true;
      await vi.advanceTimersByTimeAsync(LOG_POLL_MS * 3);
      expect(edge.asked).toHaveLength(1);
      hidden = false;
      await vi.advanceTimersByTimeAsync(LOG_POLL_MS);
      expect(edge.asked).toHaveLength(2);
      runLog.stop();
      dispose();
    });
  });
});
