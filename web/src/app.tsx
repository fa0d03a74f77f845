/**
 * The console shell. Nobody sees anything without a staff session
 * (docs/domain.md §8.1): the page first asks the edge who is signed in, then
 * shows either the sign-in screen or the console.
 *
 * The console keeps one run store and one feed (a socket per project) for as
 * long as the person is signed in, so switching between Runs and Inbox does
 * not reconnect. Signing out, or a session that can no longer be refreshed,
 * unmounts it all and stops the sockets.
 */
import { createEffect, createSignal, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { AppHeader } from './components/app-header.tsx';
import { env } from './env.ts';
import { fetchRuns } from './lib/api.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { createNavigation, type Navigation, type Screen } from './lib/navigation.ts';
import { createRunFeed } from './lib/run-feed.ts';
import { createRunStore } from './lib/run-store.ts';
import { createSession, type Session } from './lib/session.ts';
import { readSignInError } from './lib/sign-in.ts';
import { toRealtimeScopes, type Me } from './lib/staff-me.ts';
import { InboxPage } from './routes/inbox.tsx';
import { NotFoundPage } from './routes/not-found.tsx';
import { RunsPage } from './routes/runs.tsx';
import { SignInPage } from './routes/sign-in.tsx';

const TITLES: Record<Screen, string> = { runs: 'Runs', inbox: 'Inbox', not_found: 'Not found' };

export function App() {
  const log = createLogger({ debug: env.dev, fields: { app: 'console' } });
  // `/?signin_error=access_denied` after a cancel on GitHub: shown once, then dropped from the address.
  const { error: signInError, path } = readSignInError(window.location);
  if (signInError !== null) {
    window.history.replaceState(window.history.state, '', path);
  }
  const session = createSession({ log, signInError });
  const navigation = createNavigation(window);
  onMount(() => void session.load());
  onCleanup(() => navigation.dispose());

  const signedIn = (): Me | null => {
    const state = session.state();
    return state.kind === 'signed_in' ? state.me : null;
  };
  const signedOut = (): { signInError: string | null } | null => {
    const state = session.state();
    return state.kind === 'signed_out' ? state : null;
  };
  const failure = (): string | null => {
    const state = session.state();
    return state.kind === 'failed' ? state.message : null;
  };

  return (
    <Switch fallback={<p class="splash">Loading…</p>}>
      <Match when={signedIn()}>
        {(me) => <Console me={me()} session={session} navigation={navigation} log={log} />}
      </Match>
      <Match when={signedOut()}>
        {(state) => (
          <SignInPage error={state().signInError} returnTo={`${window.location.pathname}${window.location.search}`} />
        )}
      </Match>
      <Match when={failure()}>
        {(message) => (
          <main class="sign-in">
            <section class="sign-in-card">
              <p class="notice" data-kind="error" role="alert">
                Could not reach the console's server: {message()}
              </p>
              <button type="button" class="button" onClick={() => void session.load()}>
                Try again
              </button>
            </section>
          </main>
        )}
      </Match>
    </Switch>
  );
}

function Console(props: { me: Me; session: Session; navigation: Navigation; log: Logger }) {
  const { session, navigation, log } = props;
  const store = createRunStore();
  const scopes = toRealtimeScopes(props.me);
  const feed =
    scopes.length === 0
      ? null
      : createRunFeed({
          store,
          log,
          location: window.location,
          scopes,
          fetchRuns: () => fetchRuns({ fetch: session.staffFetch }),
          onDialRefused: () => void session.verify(),
        });
  const [signingOut, setSigningOut] = createSignal(false);
  const [signOutError, setSignOutError] = createSignal<string | null>(null);
  let main: HTMLElement | undefined;

  // Reconnect at once on focus/online/visibility instead of waiting out the backoff (docs/domain.md §8.4).
  const retry = (): void => {
    if (document.visibilityState === 'visible') {
      feed?.retryNow();
    }
  };
  onMount(() => {
    feed?.start();
    window.addEventListener('online', retry);
    document.addEventListener('visibilitychange', retry);
  });
  onCleanup(() => {
    window.removeEventListener('online', retry);
    document.removeEventListener('visibilitychange', retry);
    feed?.stop();
  });
  createEffect(() => {
    document.title = `${TITLES[navigation.screen()]} · Stageline`;
  });

  const navigate = (path: string): void => {
    navigation.navigate(path);
    // Keyboard and screen-reader users land on the new screen, not on the link they left.
    main?.focus();
  };

  const signOut = (): void => {
    setSigningOut(true);
    setSignOutError(null);
    session.signOut().catch((error: unknown) => {
      log.warn('sign-out failed', { error: String(error) });
      setSignOutError(error instanceof Error ? error.message : String(error));
      setSigningOut(false);
    });
  };

  return (
    <>
      <AppHeader
        connection={feed?.connection() ?? null}
        screen={navigation.screen()}
        login={props.me.login}
        name={props.me.name}
        signingOut={signingOut()}
        onNavigate={navigate}
        onSignOut={signOut}
      />
      <main
        class="app-main"
        tabIndex={-1}
        ref={(element) => {
          main = element;
        }}
      >
        <Show when={signOutError()}>
          {(message) => (
            <p class="notice" data-kind="error" role="alert">
              {message()}
            </p>
          )}
        </Show>
        <Switch>
          <Match when={navigation.screen() === 'runs'}>
            <RunsPage store={store} feed={feed} />
          </Match>
          <Match when={navigation.screen() === 'inbox'}>
            <InboxPage fetch={session.staffFetch} log={log} />
          </Match>
          <Match when={navigation.screen() === 'not_found'}>
            <NotFoundPage onNavigate={navigate} />
          </Match>
        </Switch>
      </main>
    </>
  );
}
