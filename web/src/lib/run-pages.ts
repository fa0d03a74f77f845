/**
 * What the runs page lists: the pages it loaded over HTTP with its filters,
 * kept current by the realtime store (docs/domain.md §8.3, §8.4).
 *
 *   page rows ──┬─ the store holds a newer version ─▶ the store's row (live)
 *               └─ otherwise ───────────────────────▶ the page's row
 *   store rows not on a page ─ match the filters and fall inside the loaded
 *                              range (newer than the oldest loaded row, or
 *                              every page is loaded) ─▶ added
 *   any row that no longer matches the filters ────▶ left out
 *
 * Rows are ordered as the edge orders them: `created_at` then `id`, newest
 * first. The store's rows are returned as they are (not copied), so a Solid
 * `<For>` keeps a row's DOM while its status changes.
 */
import type { Run } from './run.ts';

export type LoadedRuns = {
  /** Every loaded page, in order. */
  readonly items: readonly Run[];
  /** More (older) runs exist when not null. */
  readonly nextCursor: string | null;
};

export function toVisibleRuns(loaded: LoadedRuns | null, live: readonly Run[], matches: (run: Run) => boolean): Run[] {
  const held = new Map(live.map((run) => [run.id, run]));
  const visible: Run[] = [];
  const listed = new Set<string>();
  for (const item of loaded?.items ?? []) {
    if (listed.has(item.id)) {
      continue;
    }
    listed.add(item.id);
    const current = held.get(item.id);
    const newest = current !== undefined && current.version >= item.version ? current : item;
    if (matches(newest)) {
      visible.push(newest);
    }
  }
  const oldest = loaded !== null && loaded.nextCursor !== null ? loaded.items.at(-1) : undefined;
  for (const run of live) {
    if (!listed.has(run.id) && matches(run) && (oldest === undefined || compareNewestFirst(run, oldest) <= 0)) {
      visible.push(run);
    }
  }
  return visible.sort(compareNewestFirst);
}

/** Appends a page, dropping rows an earlier page already had (a run created between two loads shifts the pages). */
export function appendPage(loaded: LoadedRuns, page: LoadedRuns): LoadedRuns {
  const ids = new Set(loaded.items.map((run) => run.id));
  return { items: [...loaded.items, ...page.items.filter((run) => !ids.has(run.id))], nextCursor: page.nextCursor };
}

/** Negative when `a` comes first: newer `created_at`, then the greater id (the edge's keyset order). */
export function compareNewestFirst(a: Run, b: Run): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  if (byTime !== 0) {
    return byTime;
  }
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}
