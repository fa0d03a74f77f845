/**
 * A run's log as the run page holds it, built from two reads of the edge
 * (docs/domain.md §8.2), neither of which numbers its lines:
 *
 *   recent   GET …/logs?tail_lines=N, polled every 2 s: the newest N lines of
 *            the current attempt. Each answer is merged into the lines held
 *            by their overlap, so a line is shown once however often it is
 *            polled. A tail shorter than N is the whole log (`fromStart`).
 *   past     GET …/logs/history?after_seq, page by page: the stored log from
 *            its first line, oldest first.
 *
 *   shown = past ─┬─ overlaps recent ─▶ past + the rest of recent   (one log)
 *                 └─ no overlap yet ─▶ past, gap, recent             ("load more")
 *
 * Overlap is found by content, so it is a heuristic: the longest run of lines
 * that ends `held` and starts the new window. To keep one repeated line (a
 * blank line, a spinner) from joining two windows that do not meet, an
 * overlap must be `MIN_OVERLAP` lines long unless a side is shorter. A new
 * attempt restarts the log: a whole-log tail that does not extend what is
 * held replaces it, and the history read so far (the old attempt's) is dropped.
 */
export const MIN_OVERLAP = 3;

export type LogBuffer = {
  /** The stored log from its first line, as far as history pages have reached. */
  readonly past: readonly string[];
  /** `after_seq` for the next history page; null: start at the beginning. */
  readonly pastCursor: number | null;
  /** History has been read to its end (at the time of the read). */
  readonly pastDone: boolean;
  /** The newest lines seen by the tail polls, contiguous. */
  readonly recent: readonly string[];
  /** `recent` starts at the log's first line: history has nothing more to add. */
  readonly fromStart: boolean;
};

export type TailMerge =
  /** Nothing new. */
  | { kind: 'same'; lines: readonly string[] }
  /** `added` new lines at the end. */
  | { kind: 'appended'; lines: readonly string[]; added: number }
  /** The window does not reach back to what was held: lines were missed. */
  | { kind: 'gap'; lines: readonly string[] }
  /** The whole log no longer starts with what was held: a new attempt. */
  | { kind: 'reset'; lines: readonly string[] };

export type LogView = {
  readonly lines: readonly string[];
  /** Lines are missing before `lines[gapAt]` (0: before the first shown line); null: none missing. */
  readonly gapAt: number | null;
  /** `lines[0]` is the log's first line, so line numbers are meaningful. */
  readonly numbered: boolean;
};

export function createLogBuffer(): LogBuffer {
  return { past: [], pastCursor: null, pastDone: false, recent: [], fromStart: false };
}

/**
 * The number of lines that end `held` and start `window` (the longest such
 * run, at least `MIN_OVERLAP` unless a side is shorter); 0 when they do not meet.
 */
export function findOverlap(held: readonly string[], window: readonly string[]): number {
  const longest = Math.min(held.length, window.length);
  const shortest = Math.min(MIN_OVERLAP, longest);
  for (let size = longest; size >= Math.max(1, shortest); size -= 1) {
    const start = held.length - size;
    if (held[start] !== window[0] || held[held.length - 1] !== window[size - 1]) {
      continue;
    }
    let same = true;
    for (let i = 1; i < size - 1 && same; i += 1) {
      same = held[start + i] === window[i];
    }
    if (same) {
      return size;
    }
  }
  return 0;
}

/** Merges one polled tail into the held lines. `complete`: the tail is shorter than asked, so it is the whole log. */
export function mergeTail(held: readonly string[], tail: readonly string[], complete: boolean): TailMerge {
  if (complete) {
    if (tail.length < held.length || !startsWith(tail, held)) {
      return { kind: 'reset', lines: tail };
    }
    return tail.length === held.length ? { kind: 'same', lines: held } : { kind: 'appended', lines: tail, added: tail.length - held.length };
  }
  if (held.length === 0) {
    return tail.length === 0 ? { kind: 'same', lines: held } : { kind: 'appended', lines: tail, added: tail.length };
  }
  const overlap = findOverlap(held, tail);
  if (overlap === 0) {
    return { kind: 'gap', lines: tail };
  }
  if (overlap === tail.length) {
    return { kind: 'same', lines: held };
  }
  const added = tail.slice(overlap);
  return { kind: 'appended', lines: [...held, ...added], added: added.length };
}

/** Applies a polled tail of `asked` lines. */
export function applyTail(buffer: LogBuffer, tail: readonly string[], asked: number): { buffer: LogBuffer; merge: TailMerge } {
  const complete = tail.length < asked;
  const merge = mergeTail(buffer.recent, tail, complete);
  switch (merge.kind) {
    case 'same':
      return { buffer: complete && !buffer.fromStart ? { ...buffer, fromStart: true } : buffer, merge };
    case 'appended':
      return { buffer: { ...buffer, recent: merge.lines, fromStart: buffer.fromStart || complete }, merge };
    case 'gap':
      return { buffer: { ...buffer, recent: merge.lines, fromStart: false }, merge };
    case 'reset':
      return { buffer: { ...createLogBuffer(), recent: merge.lines, fromStart: true }, merge };
  }
}

/** Appends one history page (oldest first). */
export function applyHistoryPage(buffer: LogBuffer, page: { lines: readonly string[]; nextAfterSeq: number | null; done: boolean }): LogBuffer {
  return {
    ...buffer,
    past: page.lines.length === 0 ? buffer.past : [...buffer.past, ...page.lines],
    pastCursor: page.nextAfterSeq ?? buffer.pastCursor,
    pastDone: page.done,
  };
}

/** Whether history pages can still close a gap (or reach the log's start). */
export function needsHistory(buffer: LogBuffer): boolean {
  return toLogView(buffer).gapAt !== null && !buffer.pastDone;
}

/** The lines to show, in order, and where some are missing. */
export function toLogView(buffer: LogBuffer): LogView {
  const { past, recent } = buffer;
  if (buffer.fromStart) {
    return { lines: recent, gapAt: null, numbered: true };
  }
  if (past.length === 0) {
    if (buffer.pastDone) {
      // The stored log was empty when read; the tail has everything since.
      return { lines: recent, gapAt: null, numbered: true };
    }
    return { lines: recent, gapAt: recent.length === 0 ? null : 0, numbered: false };
  }
  const overlap = findOverlap(past, recent);
  if (overlap > 0 || recent.length === 0) {
    return { lines: overlap === recent.length ? past : [...past, ...recent.slice(overlap)], gapAt: null, numbered: true };
  }
  if (buffer.pastDone && containsRun(past, recent)) {
    // History was read after the tail: it already holds the tail's lines.
    return { lines: past, gapAt: null, numbered: true };
  }
  return { lines: [...past, ...recent], gapAt: past.length, numbered: false };
}

function startsWith(lines: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((line, index) => lines[index] === line);
}

function containsRun(lines: readonly string[], run: readonly string[]): boolean {
  for (let start = lines.length - run.length; start >= 0; start -= 1) {
    if (run.every((line, index) => lines[start + index] === line)) {
      return true;
    }
  }
  return false;
}
