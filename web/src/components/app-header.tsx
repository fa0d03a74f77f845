/**
 * The console header: title and screens on the left (Runs, Running jobs,
 * Inbox, then the operations screens in their list's order); the realtime indicator, who is
 * signed in and "Sign out" on the right. Without a feed (no projects) there
 * is nothing to be live about, so no indicator.
 */
import { For, Show } from 'solid-js';
import { JOBS_TITLE, linkState, SCREEN_PATHS, type NavTarget } from '../lib/navigation.ts';
import type { ConnectionState } from '../lib/run-feed.ts';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { NavLink } from './nav-link.tsx';

export type AppHeaderProps = {
  connection: ConnectionState | null;
  /** The page shown (`location.pathname`). */
  pathname: string;
  /** The operations screens, after Runs, Running jobs and Inbox. */
  screens: readonly NavTarget[];
  login: string;
  name: string | null;
  signingOut: boolean;
  onNavigate: (path: string) => void;
  onSignOut: () => void;
};

export function AppHeader(props: AppHeaderProps) {
  return (
    <header class="app-header">
      <div class="app-header-start">
        <h1 class="app-title">Stageline</h1>
        <nav class="app-nav" aria-label="Screens">
          <NavLink href={SCREEN_PATHS.runs} current={linkState(SCREEN_PATHS.runs, props.pathname)} onNavigate={props.onNavigate}>
            Runs
          </NavLink>
          <NavLink href={SCREEN_PATHS.jobs} current={linkState(SCREEN_PATHS.jobs, props.pathname)} onNavigate={props.onNavigate}>
            {JOBS_TITLE}
          </NavLink>
          <NavLink href={SCREEN_PATHS.inbox} current={linkState(SCREEN_PATHS.inbox, props.pathname)} onNavigate={props.onNavigate}>
            Inbox
          </NavLink>
          <For each={props.screens}>
            {(screen) => (
              <NavLink href={screen.path} current={linkState(screen.path, props.pathname)} onNavigate={props.onNavigate}>
                {screen.title}
              </NavLink>
            )}
          </For>
        </nav>
      </div>
      <div class="app-header-end">
        <Show when={props.connection}>{(state) => <ConnectionIndicator state={state()} />}</Show>
        <span class="signed-in" title={props.name ?? undefined}>
          Signed in as{' '}
          <strong class="mono" data-testid="signed-in-as">
            {props.login}
          </strong>
        </span>
        <button
          type="button"
          class="button"
          data-testid="sign-out"
          disabled={props.signingOut}
          onClick={() => props.onSignOut()}
        >
          {props.signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
    </header>
  );
}
