/**
 * The console shell. Nobody sees anything without a staff session
 * (docs/domain.md §8.1): the page first asks the edge who is signed in, then
 * shows either the sign-in screen or the console.
 *
 * The console keeps one run store and one feed (a socket per project) for as
 * long as the person is signed in, so moving between screens does not
 * reconnect. Signing out, or a session that can no longer be refreshed,
 * unmounts it all and stops the sockets.
 *
 * Screens are @solidjs/router routes (lib/navigation.ts lists the paths):
 * Runs, a run, Running jobs (which, like Runs, follows the shared run store),
 * Inbox, every operations screen of routes/ops-routes.tsx (which
 * also get a header link, in the list's order) and a not-found page.
 */
import { Router, useLocation, useNavigate, useParams, type RouteDefinition, type RouteSectionProps } from '@solidjs/router';
import { createEffect, createSignal, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import { AppHeader } from './components/app-header.tsx';
import { env } from './env.ts';
import { fetchRuns } from './lib/api.ts';
import { createLogger, type Logger } from './lib/log.ts';
import { SCREEN_PATHS, toScreenTitle } from './lib/navigation.ts';
import { createRunFeed, type RunFeed } from './lib/run-feed.ts';
import { createRunStore, type RunStore } from './lib/run-store.ts';
import { createSession, type Session } from './lib/session.ts';
import { readSignInError } from './lib/sign-in.ts';
import { toRealtimeScopes, type Me } from './lib/staff-me.ts';
import { InboxPage } from './routes/inbox.tsx';
import { JobsPage } from './routes/jobs.tsx';
import { NotFoundPage } from './routes/not-found.tsx';
import { OPS_ROUTES } from './routes/ops-routes.tsx';
import { RunDetailPage } from './routes/run-detail.tsx';
import { RunsPage } from './routes/runs.tsx';
import { SignInPage } from './routes/sign-in.tsx';

export function App() {
  const log = createLogger({ debug: env.dev, fields: { app: 'console' } });
  // `/?signin_error=access_denied` after a cancel on GitHub: shown once, then dropped from the address.
  const { error: signInError, path } = readSignInError(window.location);
  if (signInError !== null) {
    window.history.replaceState(window.history.state, '', path);
  }
  const session = createSession({ log, signInError });
  onMount(() => void session.load());

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
      {/* Keyed: new roles (session.verify) build the console again, with the channels it may follow now. */}
      <Match when={signedIn()} keyed>
        {(me) => <Console me={me} session={session} log={log} />}
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

/** What every screen of the signed-in console shares. */
type ConsoleContext = {
  me: Me;
  session: Session;
  log: Logger;
  store: RunStore;
  feed: RunFeed | null;
};

function Console(props: { me: Me; session: Session; log: Logger }) {
  const { session, log } = props;
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

  const context: ConsoleContext = { me: props.me, session, log, store, feed };
  return <Router root={(root) => <Shell context={context}>{root.children}</Shell>}>{toRoutes(context)}</Router>;
}

/** The router's table: fixed screens, then the operations screens, then not found. */
function toRoutes(context: ConsoleContext): RouteDefinition[] {
  const { me, session, log, store, feed } = context;
  return [
    { path: ['/', SCREEN_PATHS.runs], component: () => <RunsPage store={store} feed={feed} fetch={session.staffFetch} log={log} me={me} /> },
    { path: `${SCREEN_PATHS.runs}/:id`, component: () => <RunDetailRoute context={context} /> },
    { path: SCREEN_PATHS.jobs, component: () => <JobsPage store={store} feed={feed} fetch={session.staffFetch} log={log.with({ screen: 'jobs' })} me={me} /> },
    { path: SCREEN_PATHS.inbox, component: () => <InboxPage feed={feed} fetch={session.staffFetch} log={log} /> },
    ...OPS_ROUTES.map(
      (route): RouteDefinition => ({
        path: route.path,
        component: () => <route.component fetch={session.staffFetch} log={log.with({ screen: route.title })} me={me} />,
      }),
    ),
    { path: '*404', component: NotFoundRoute },
  ];
}

function RunDetailRoute(props: { context: ConsoleContext }) {
  const params = useParams<{ id: string }>();
  const { me, session, log, store, feed } = props.context;
  // Keyed: another run's address gives a fresh page (its own polls and log).
  return (
    <Show when={params.id} keyed>
      {(id) => <RunDetailPage id={id} store={store} feed={feed} fetch={session.staffFetch} log={log} me={me} />}
    </Show>
  );
}

function NotFoundRoute() {
  const navigate = useNavigate();
  return <NotFoundPage onNavigate={(path) => navigate(path)} />;
}

/** Header, notices and the current screen; lives inside the router so it can read the location. */
function Shell(props: { context: ConsoleContext; children?: RouteSectionProps['children'] }) {
  const { me, session, log, feed } = props.context;
  const location = useLocation();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = createSignal(false);
  const [signOutError, setSignOutError] = createSignal<string | null>(null);
  const screens = OPS_ROUTES.map((route) => ({ path: route.path, title: route.title }));
  let main: HTMLElement | undefined;

  createEffect(() => {
    document.title = `${toScreenTitle(location.pathname, screens)} · Stageline`;
  });
  // Keyboard and screen-reader users land on the new screen, not on the link they left.
  createEffect(on(() => location.pathname, () => main?.focus(), { defer: true }));

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
        pathname={location.pathname}
        screens={screens}
        login={me.login}
        name={me.name}
        signingOut={signingOut()}
        onNavigate={(path) => navigate(path)}
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
        {props.children}
      </main>
    </>
  );
}
