/**
 * The console's two screens, switched by path with `history.pushState`
 * (no router package):
 *
 *   /  and  /runs   the live run list
 *   /inbox          approval requests and questions
 *   anything else   not found, with a way back
 */
import { createSignal, type Accessor } from 'solid-js';

export type Screen = 'runs' | 'inbox' | 'not_found';

export const SCREEN_PATHS: Readonly<Record<Exclude<Screen, 'not_found'>, string>> = {
  runs: '/runs',
  inbox: '/inbox',
};

export function toScreen(pathname: string): Screen {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === SCREEN_PATHS.runs) {
    return 'runs';
  }
  return path === SCREEN_PATHS.inbox ? 'inbox' : 'not_found';
}

export type Navigation = {
  readonly screen: Accessor<Screen>;
  /** Shows `path` and records it in the history (the back button returns). */
  navigate(path: string): void;
  dispose(): void;
};

type NavigationWindow = Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>;

export function createNavigation(win: NavigationWindow = window): Navigation {
  const [pathname, setPathname] = createSignal(win.location.pathname);
  const onPopState = (): void => {
    setPathname(win.location.pathname);
  };
  win.addEventListener('popstate', onPopState);
  return {
    screen: () => toScreen(pathname()),
    navigate(path) {
      if (path !== `${win.location.pathname}${win.location.search}`) {
        win.history.pushState(null, '', path);
      }
      setPathname(win.location.pathname);
    },
    dispose() {
      win.removeEventListener('popstate', onPopState);
    },
  };
}

/** A plain left click without modifier keys: the page handles it; anything else opens as the browser would. */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey && !event.defaultPrevented;
}
