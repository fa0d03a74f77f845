/**
 * Runs (`/runs`, docs/domain.md §8.3): the live list. Later issues add the
 * "Running jobs" and "Wait queue" blocks and pagination; there is deliberately
 * no refresh button, the feed keeps the store current. Someone who is in no
 * project has no feed: they are told whom to ask.
 */
import { createSignal, onCleanup, Show } from 'solid-js';
import { RunsTable } from '../components/runs-table.tsx';
import type { RunFeed } from '../lib/run-feed.ts';
import type { RunStore } from '../lib/run-store.ts';

/** How often relative times ("3 min ago") are recomputed. */
const CLOCK_TICK_MS = 15_000;

export const NO_PROJECTS_TEXT = 'You are not a member of any project yet. Ask a project admin to give you access.';

export function RunsPage(props: { store: RunStore; feed: RunFeed | null }) {
  const [now, setNow] = createSignal(new Date());
  const clock = setInterval(() => setNow(new Date()), CLOCK_TICK_MS);
  onCleanup(() => clearInterval(clock));

  return (
    <section class="page" aria-label="Runs">
      <Show
        when={props.feed}
        fallback={
          <div class="empty-state" data-testid="no-projects">
            <h2 class="page-title">No projects</h2>
            <p>{NO_PROJECTS_TEXT}</p>
          </div>
        }
      >
        {(feed) => (
          <>
            <Show when={feed().loadError()}>
              {(message) => (
                <p class="notice" role="alert">
                  Could not load runs: {message()}
                </p>
              )}
            </Show>
            <RunsTable runs={props.store.runs} now={now()} loading={feed().loading()} />
          </>
        )}
      </Show>
    </section>
  );
}
