/**
 * Keeps a run's log current on the run page (docs/domain.md §8.3):
 *
 *   open ─▶ tail of 2000 lines ─▶ every 2 s while the run is not terminal:
 *           tail of 200 lines, merged (log-lines.ts); a window that no longer
 *           reaches what is held is asked again at 2000 lines before it counts
 *           as a gap. Once the run is terminal: one last tail, then no more.
 *
 * History pages (oldest first) are read on request ("load earlier lines") and,
 * for a download, to the end. Polls skip while the tab is hidden and never
 * overlap; a failed poll is shown and the next tick tries again.
 */
import { createMemo, createSignal, type Accessor } from 'solid-js';
import type { FetchLike } from './api.ts';
import type { Logger } from './log.ts';
import { applyHistoryPage, applyTail, createLogBuffer, toLogView, type LogBuffer, type LogView } from './log-lines.ts';
import { fetchLogHistory, fetchLogTail } from './run-detail-api.ts';

export const LOG_POLL_MS = 2_000;
export const TAIL_POLL_LINES = 200;
export const TAIL_MAX_LINES = 2_000;
export const HISTORY_PAGE_CHUNKS = 100;
/** A download reads at most this many history pages. */
const MAX_HISTORY_PAGES = 200;

export type RunLogOptions = {
  fetch: FetchLike;
  runId: string;
  log: Logger;
  /** Injected in tests; defaults to `document.visibilityState === 'hidden'`. */
  hidden?: () => boolean;
};

export type RunLog = {
  readonly view: Accessor<LogView>;
  readonly error: Accessor<string | null>;
  readonly loadingHistory: Accessor<boolean>;
  /** Whether history pages can still add lines. */
  readonly canLoadHistory: Accessor<boolean>;
  /** Follows the run: polls until `isTerminal()` is true, then polls once more and stops. */
  start(isTerminal: () => boolean): void;
  stop(): void;
  /** One tail read now (the page calls it when the run's status changes). */
  pollNow(): Promise<void>;
  loadHistoryPage(): Promise<void>;
  /** Reads history to its end (or until it meets the tail), for a download. */
  loadAll(): Promise<void>;
};

export function createRunLog(options: RunLogOptions): RunLog {
  const hidden = options.hidden ?? (() => document.visibilityState === 'hidden');
  const [buffer, setBuffer] = createSignal<LogBuffer>(createLogBuffer());
  const [error, setError] = createSignal<string | null>(null);
  const [loadingHistory, setLoadingHistory] = createSignal(false);
  // One merge per change, shared by the rows, the search count and the gap row.
  const view = createMemo((): LogView => toLogView(buffer()));
  const needsHistory = (): boolean => view().gapAt !== null && !buffer().pastDone;
  let timer: ReturnType<typeof setInterval> | undefined;
  let inFlight: Promise<void> | null = null;
  let first = true;
  let stopped = false;

  async function readTail(asked: number): Promise<'gap' | 'ok'> {
    const tail = await fetchLogTail(options.fetch, options.runId, asked);
    if (stopped) {
      return 'ok';
    }
    const { buffer: next, merge } = applyTail(buffer(), tail.lines, asked);
    if (merge.kind === 'gap' && asked < TAIL_MAX_LINES) {
      return 'gap';
    }
    setBuffer(next);
    return 'ok';
  }

  function poll(): Promise<void> {
    inFlight ??= (async () => {
      try {
        const asked = first ? TAIL_MAX_LINES : TAIL_POLL_LINES;
        if ((await readTail(asked)) === 'gap') {
          // More lines came than the small window holds: ask for the big one before calling it a gap.
          await readTail(TAIL_MAX_LINES);
        }
        first = false;
        setError(null);
      } catch (failure) {
        options.log.warn('reading the log tail failed', { runId: options.runId, error: String(failure) });
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  let historyInFlight: Promise<void> | null = null;

  /** One history page; a call while one is loading shares it. */
  function loadHistoryPage(): Promise<void> {
    historyInFlight ??= (async () => {
      setLoadingHistory(true);
      try {
        const page = await fetchLogHistory(options.fetch, options.runId, buffer().pastCursor, HISTORY_PAGE_CHUNKS);
        setBuffer(applyHistoryPage(buffer(), page));
        setError(null);
      } catch (failure) {
        options.log.warn('reading the log history failed', { runId: options.runId, error: String(failure) });
        setError(failure instanceof Error ? failure.message : String(failure));
        throw failure;
      } finally {
        setLoadingHistory(false);
      }
    })().finally(() => {
      historyInFlight = null;
    });
    return historyInFlight;
  }

  return {
    view,
    error,
    loadingHistory,
    canLoadHistory: needsHistory,
    start(isTerminal) {
      stopped = false;
      void poll();
      timer = setInterval(() => {
        if (isTerminal()) {
          clearInterval(timer);
          timer = undefined;
          // The last lines may have landed after the previous poll.
          void poll();
          return;
        }
        if (!hidden()) {
          void poll();
        }
      }, LOG_POLL_MS);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
    },
    pollNow: poll,
    loadHistoryPage: () => loadHistoryPage().catch(() => {
      // Shown by error().
    }),
    async loadAll() {
      for (let page = 0; page < MAX_HISTORY_PAGES && needsHistory(); page += 1) {
        await loadHistoryPage();
      }
    },
  };
}
