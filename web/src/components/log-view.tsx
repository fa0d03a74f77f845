/**
 * A run's log (docs/domain.md §8.3): virtualized rows (@tanstack/solid-virtual,
 * one fixed-height row per line, so a long log keeps a few dozen nodes),
 * ANSI colours (ansi-line.ts: text nodes only, never HTML), a follow toggle
 * that keeps the newest line in view and turns itself off when the reader
 * scrolls up, a search that highlights or filters, and a plain-text download.
 */
import { createVirtualizer } from '@tanstack/solid-virtual';
import { createEffect, createMemo, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { lineMatches, markMatches, stripAnsi, toAnsiSegments } from '../lib/ansi-line.ts';
import type { LogView as LogLines } from '../lib/log-lines.ts';
import type { RunLog } from '../lib/run-log.ts';

export const LOG_LINE_HEIGHT = 18;

type LineRow = { kind: 'line'; index: number; text: string };
type LogRow = LineRow | { kind: 'gap'; atStart: boolean };

const asLine = (row: LogRow): LineRow | null => (row.kind === 'line' ? row : null);

export type LogViewProps = {
  runLog: RunLog;
  /** The download's file name. */
  fileName: string;
};

/** The rows to render: every line (or only matching ones), with the gap where lines are missing. */
export function toLogRows(view: LogLines, query: string, onlyMatches: boolean): LogRow[] {
  const rows: LogRow[] = [];
  view.lines.forEach((text, index) => {
    if (view.gapAt === index) {
      rows.push({ kind: 'gap', atStart: index === 0 });
    }
    if (!onlyMatches || lineMatches(text, query)) {
      rows.push({ kind: 'line', index, text });
    }
  });
  if (view.gapAt !== null && view.gapAt >= view.lines.length) {
    rows.push({ kind: 'gap', atStart: view.gapAt === 0 });
  }
  return rows;
}

/** The log as a `.txt`: escape sequences removed, a marker where lines are missing. */
export function toLogText(view: LogLines): string {
  const lines = view.lines.map(stripAnsi);
  if (view.gapAt !== null) {
    lines.splice(view.gapAt, 0, '[… lines not loaded …]');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function LogView(props: LogViewProps) {
  const [query, setQuery] = createSignal('');
  const [onlyMatches, setOnlyMatches] = createSignal(false);
  const [follow, setFollow] = createSignal(true);
  const [downloading, setDownloading] = createSignal(false);
  let scroller: HTMLDivElement | undefined;

  const rows = createMemo(() => toLogRows(props.runLog.view(), query().trim(), onlyMatches() && query().trim() !== ''));
  const matchCount = createMemo(() => {
    const needle = query().trim();
    return needle === '' ? null : props.runLog.view().lines.filter((line) => lineMatches(line, needle)).length;
  });

  const virtualizer = createVirtualizer({
    get count() {
      return rows().length;
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => LOG_LINE_HEIGHT,
    overscan: 30,
  });

  const scrollToEnd = (): void => {
    const count = rows().length;
    if (count > 0) {
      virtualizer.scrollToIndex(count - 1, { align: 'end' });
    }
  };
  createEffect(
    on([() => rows().length, follow], ([, following]) => {
      if (following) {
        queueMicrotask(scrollToEnd);
      }
    }),
  );

  const onScroll = (): void => {
    if (scroller === undefined || !follow()) {
      return;
    }
    const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - LOG_LINE_HEIGHT;
    if (!atEnd) {
      setFollow(false);
    }
  };

  let revoke: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(revoke));
  const download = async (): Promise<void> => {
    setDownloading(true);
    try {
      await props.runLog.loadAll();
      const url = URL.createObjectURL(new Blob([toLogText(props.runLog.view())], { type: 'text/plain;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = props.fileName;
      link.click();
      // The browser reads the blob after the click returns.
      revoke = setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div class="log-view" data-testid="log-view">
      <div class="log-toolbar">
        <input
          class="input log-search"
          type="search"
          placeholder="Search the log"
          aria-label="Search the log"
          data-testid="log-search"
          value={query()}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
        <label class="toggle">
          <input type="checkbox" data-testid="log-only-matches" checked={onlyMatches()} onChange={(event) => setOnlyMatches(event.currentTarget.checked)} />
          Only matching lines
        </label>
        <Show when={matchCount() !== null}>
          <span class="hint" data-testid="log-match-count">
            {matchCount()} matching {matchCount() === 1 ? 'line' : 'lines'}
          </span>
        </Show>
        <Show when={props.runLog.view().gapAt !== null}>
          <span class="hint" data-testid="log-partial">
            {props.runLog.view().gapAt === 0 ? 'Only the newest lines are loaded.' : 'Some lines are not loaded.'}{' '}
            <Show when={props.runLog.canLoadHistory()}>
              <button
                type="button"
                class="link-button"
                data-testid="log-partial-load"
                disabled={props.runLog.loadingHistory()}
                onClick={() => void props.runLog.loadHistoryPage()}
              >
                {props.runLog.loadingHistory() ? 'Loading…' : props.runLog.view().gapAt === 0 ? 'Load from the start' : 'Load more'}
              </button>
            </Show>
          </span>
        </Show>
        <span class="log-toolbar-end">
          <label class="toggle">
            <input type="checkbox" data-testid="log-follow" checked={follow()} onChange={(event) => setFollow(event.currentTarget.checked)} />
            Follow
          </label>
          <button type="button" class="button" data-testid="log-download" disabled={downloading()} onClick={() => void download()}>
            {downloading() ? 'Preparing…' : 'Download'}
          </button>
        </span>
      </div>
      <Show when={props.runLog.error()}>
        {(message) => (
          <p class="notice" role="alert">
            Could not read the log: {message()}
          </p>
        )}
      </Show>
      <div class="log-scroll" ref={(element) => (scroller = element)} onScroll={onScroll} tabIndex={0} aria-label="Log lines" data-testid="log-lines">
        <Show when={rows().length > 0} fallback={<p class="log-empty">{query().trim() !== '' && onlyMatches() ? 'No line matches.' : 'No log lines yet.'}</p>}>
          <div class="log-canvas" style={{ height: `${virtualizer.getTotalSize()}px` }}>
            <For each={virtualizer.getVirtualItems()}>
              {(item) => (
                <Show when={rows()[item.index]}>
                  {(row) => (
                    <div class="log-row" style={{ transform: `translateY(${item.start}px)` }}>
                      <Show when={asLine(row())} fallback={<GapRow row={row()} runLog={props.runLog} />}>
                        {(line) => <LogLine line={line()} numbered={props.runLog.view().numbered} query={query().trim()} />}
                      </Show>
                    </div>
                  )}
                </Show>
              )}
            </For>
          </div>
        </Show>
      </div>
    </div>
  );
}

export function LogLine(props: { line: { index: number; text: string }; numbered: boolean; query: string }) {
  const segments = createMemo(() => markMatches(toAnsiSegments(props.line.text), props.query));
  return (
    <div class="log-line" data-testid="log-line" data-index={props.line.index}>
      <span class="log-number" aria-hidden="true">
        {props.numbered ? props.line.index + 1 : ''}
      </span>
      <span class="log-text">
        <For each={segments()}>
          {(segment) =>
            segment.mark ? (
              <mark class="log-mark" style={segment.style}>
                {segment.text}
              </mark>
            ) : (
              <span style={segment.style}>{segment.text}</span>
            )
          }
        </For>
      </span>
    </div>
  );
}

function GapRow(props: { row: LogRow; runLog: RunLog }) {
  const atStart = (): boolean => props.row.kind === 'gap' && props.row.atStart;
  return (
    <div class="log-gap" data-testid="log-gap">
      <span>{atStart() ? 'Earlier lines are not loaded.' : 'Some lines in between are not loaded.'}</span>
      <Show when={props.runLog.canLoadHistory()}>
        <button
          type="button"
          class="link-button"
          data-testid="log-load-history"
          disabled={props.runLog.loadingHistory()}
          onClick={() => void props.runLog.loadHistoryPage()}
        >
          {props.runLog.loadingHistory() ? 'Loading…' : atStart() ? 'Load from the start' : 'Load more'}
        </button>
      </Show>
    </div>
  );
}
