/**
 * The console header: title and screens on the left; the realtime indicator,
 * who is signed in and "Sign out" on the right. Without a feed (no projects)
 * there is nothing to be live about, so no indicator.
 */
import { Show } from 'solid-js';
import { SCREEN_PATHS, type Screen } from '../lib/navigation.ts';
import type { ConnectionState } from '../lib/run-feed.ts';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { NavLink } from './nav-link.tsx';

export type AppHeaderProps = {
  connection: ConnectionState | null;
  screen: Screen;
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
          <NavLink href={SCREEN_PATHS.runs} current={props.screen === 'runs'} onNavigate={props.onNavigate}>
            Runs
          </NavLink>
          <NavLink href={SCREEN_PATHS.inbox} current={props.screen === 'inbox'} onNavigate={props.onNavigate}>
            Inbox
          </NavLink>
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
