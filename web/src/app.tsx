/**
 * The console shell: header with the connection indicator and the runs page.
 * One store and one feed live for the whole page; when more screens arrive
 * (run details, approvals) they share them through a router and context.
 */
import { onCleanup, onMount } from 'solid-js';
import { AppHeader } from './components/app-header.tsx';
import { env } from './env.ts';
import { createLogger } from './lib/log.ts';
import { createRunFeed } from './lib/run-feed.ts';
import { createRunStore } from './lib/run-store.ts';
import { RunsPage } from './routes/runs.tsx';

export function App() {
  const log = createLogger({ debug: env.dev, fields: { app: 'console' } });
  const store = createRunStore();
  const feed = createRunFeed({ store, log, location: window.location });

  // Reconnect at once on focus/online/visibility instead of waiting out the backoff (docs/domain.md §8.4).
  const retry = (): void => {
    if (document.visibilityState === 'visible') {
      feed.retryNow();
    }
  };
  onMount(() => {
    feed.start();
    window.addEventListener('online', retry);
    document.addEventListener('visibilitychange', retry);
  });
  onCleanup(() => {
    window.removeEventListener('online', retry);
    document.removeEventListener('visibilitychange', retry);
    feed.stop();
  });

  return (
    <>
      <AppHeader connection={feed.connection()} />
      <main class="app-main">
        <RunsPage store={store} feed={feed} />
      </main>
    </>
  );
}
