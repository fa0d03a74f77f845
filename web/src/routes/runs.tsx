/**
 * Runs (`/runs`, docs/domain.md §8.3): the live list. Later issues add the
 * "Running jobs" and "Wait queue" blocks and pagination; there is deliberately
 * no refresh button, the feed keeps the store current.
 */
import { createSignal, onCleanup, Show } from 'solid-js';
import { RunsTable } from '../components/runs-table.tsx';
import type { RunFeed } from '../lib/run-feed.ts';
import type { RunStore } from '../lib/run-store.ts';

/** How often relative times ("3 min ago") are recomputed. */
const CLOCK_TICK_MS = 15_000;

export function RunsPage(props: { store: RunStore; feed: RunFeed }) {
  const [now, setNow] = createSignal(new Date());
  const clock = setInterval(() => setNow(new Date()), CLOCK_TICK_MS);
  onCleanup(() => clearInterval(clock));

  return (
    <section class="page" aria-label="Runs">
      <Show when={props.feed.loadError()}>
        {(message) => (
          <p class="notice" role="alert">
            Could not load runs: {message()}
          </p>
        )}
      </Show>
      <RunsTable runs={props.store.runs} now={now()} loading={props.feed.loading()} />
    </section>
  );
}
