/**
 * Runs (`/runs`, docs/domain.md §8.3): the run list with filters kept in the
 * address (run-filter.ts), so a reload or a shared link shows the same view.
 *
 *   address ─▶ filter ─▶ GET /api/v1/staff/runs?…&limit=50 ─▶ first page
 *                                     "Load more" ─ cursor ─▶ older pages
 *   realtime store ─ matches the filter ─▶ rows updated or added live (run-pages.ts)
 *
 * There is deliberately no refresh button: the feed keeps the store current.
 * Someone who is in no project has no feed: they are told whom to ask.
 */
import { useSearchParams } from '@solidjs/router';
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from 'solid-js';
import { RunFilters } from '../components/run-filters.tsx';
import { RunsTable } from '../components/runs-table.tsx';
import { fetchRuns, type FetchLike } from '../lib/api.ts';
import type { Logger } from '../lib/log.ts';
import type { RunFeed } from '../lib/run-feed.ts';
import { EMPTY_RUN_FILTER, isFilterEmpty, matchesRunFilter, parseRunFilter, sameFilter, toFilterQuery, toRunsApiParams, type RunFilter } from '../lib/run-filter.ts';
import { appendPage, toVisibleRuns, type LoadedRuns } from '../lib/run-pages.ts';
import type { RunStore } from '../lib/run-store.ts';
import type { Me } from '../lib/staff-me.ts';

/** How often relative times ("3 min ago") are recomputed. */
const CLOCK_TICK_MS = 15_000;
export const RUNS_PAGE_LIMIT = 50;

export const NO_PROJECTS_TEXT = 'You are not a member of any project yet. Ask a project admin to give you access.';

export type RunsPageProps = {
  store: RunStore;
  feed: RunFeed | null;
  fetch: FetchLike;
  log: Logger;
  me: Me;
};

export function RunsPage(props: RunsPageProps) {
  const [now, setNow] = createSignal(new Date());
  const clock = setInterval(() => setNow(new Date()), CLOCK_TICK_MS);
  onCleanup(() => clearInterval(clock));

  return (
    <section class="page run-screens" aria-label="Runs">
      <Show
        when={props.feed}
        fallback={
          <div class="empty-state" data-testid="no-projects">
            <h2 class="page-title">No projects</h2>
            <p>{NO_PROJECTS_TEXT}</p>
          </div>
        }
      >
        {(feed) => <FilteredRuns {...props} feed={feed()} now={now()} />}
      </Show>
    </section>
  );
}

function FilteredRuns(props: RunsPageProps & { feed: RunFeed; now: Date }) {
  const [query, setQuery] = useSearchParams();
  const filter = createMemo((): RunFilter => parseRunFilter(query), EMPTY_RUN_FILTER, { equals: sameFilter });
  const [loaded, setLoaded] = createSignal<LoadedRuns | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [pageError, setPageError] = createSignal<string | null>(null);
  /** Bumped by every first-page load: a page that answers after the filter changed again is dropped. */
  let generation = 0;

  const load = async (cursor: string | null): Promise<LoadedRuns> => {
    const list = await fetchRuns({ fetch: props.fetch, limit: RUNS_PAGE_LIMIT, params: toRunsApiParams(filter(), props.me.projects), cursor });
    return { items: list.items, nextCursor: list.nextCursor ?? null };
  };

  const fail = (error: unknown): void => {
    props.log.warn('loading runs failed', { error: String(error) });
    setPageError(error instanceof Error ? error.message : String(error));
  };

  createEffect(
    on(filter, () => {
      const started = ++generation;
      setLoaded(null);
      setLoading(true);
      load(null)
        .then((page) => {
          if (started === generation) {
            setLoaded(page);
            setPageError(null);
          }
        })
        .catch((error: unknown) => {
          if (started === generation) {
            fail(error);
          }
        })
        .finally(() => {
          if (started === generation) {
            setLoading(false);
          }
        });
    }),
  );

  const loadMore = (): void => {
    const held = loaded();
    if (held === null || held.nextCursor === null || loadingMore()) {
      return;
    }
    const started = generation;
    setLoadingMore(true);
    load(held.nextCursor)
      .then((page) => {
        if (started === generation) {
          setLoaded(appendPage(held, page));
          setPageError(null);
        }
      })
      .catch(fail)
      .finally(() => setLoadingMore(false));
  };

  const rows = createMemo(() => toVisibleRuns(loaded(), props.store.runs, (run) => matchesRunFilter(run, filter(), props.me.projects)));

  return (
    <>
      <RunFilters filter={filter()} projects={props.me.projects} onChange={(next) => setQuery(toFilterQuery(next))} />
      <Show when={props.feed.loadError()}>
        {(message) => (
          <p class="notice" role="alert">
            Could not load runs: {message()}
          </p>
        )}
      </Show>
      <Show when={pageError()}>
        {(message) => (
          <p class="notice" role="alert" data-testid="runs-error">
            Could not load runs: {message()}
          </p>
        )}
      </Show>
      <RunsTable runs={rows()} now={props.now} loading={loading() && rows().length === 0} filtered={!isFilterEmpty(filter())} />
      <Show when={loaded()?.nextCursor}>
        <div class="load-more">
          <button type="button" class="button" data-testid="load-more" disabled={loadingMore()} onClick={loadMore}>
            {loadingMore() ? 'Loading…' : 'Load more'}
          </button>
        </div>
      </Show>
    </>
  );
}
