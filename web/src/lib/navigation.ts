/**
 * The console's addresses (docs/domain.md §8.3). @solidjs/router switches the
 * screens (app.tsx); this module only knows the paths, which header link is
 * current, and each screen's document title:
 *
 *   /  and  /runs   the run list (filters in the query string)
 *   /runs/:id       one run (the link in every GitHub status comment)
 *   /jobs           the runs holding a Kubernetes Job now, by cluster and project
 *   /inbox          approval requests and questions
 *   OPS_ROUTES      the operations screens (routes/ops-routes.tsx)
 *   anything else   not found, with a way back
 */

export const SCREEN_PATHS = {
  runs: '/runs',
  jobs: '/jobs',
  inbox: '/inbox',
} as const;

/** The Running jobs screen's header link and document title. */
export const JOBS_TITLE = 'Running jobs';

export const runDetailPath = (runId: string): string => `${SCREEN_PATHS.runs}/${encodeURIComponent(runId)}`;

/** A screen the header links to. */
export type NavTarget = { path: string; title: string };

/** `/runs/` and `/runs` are one address. */
export function normalizePath(pathname: string): string {
  return pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
}

/**
 * Whether `pathname` matches a route pattern: `:name` matches one segment, a
 * trailing `*` (or `*rest`) anything after.
 */
export function matchesPath(pattern: string, pathname: string): boolean {
  const want = normalizePath(pattern).split('/');
  const have = normalizePath(pathname).split('/');
  for (let i = 0; i < want.length; i += 1) {
    const segment = want[i] ?? '';
    if (segment.startsWith('*')) {
      return true;
    }
    const actual = have[i];
    if (actual === undefined || (segment.startsWith(':') ? actual === '' : segment !== actual)) {
      return false;
    }
  }
  return want.length === have.length;
}

/**
 * How a header link relates to the page shown: `page` when it is the page,
 * `section` when the page lies under it (a run under Runs), else false.
 */
export function linkState(target: string, pathname: string): 'page' | 'section' | false {
  const path = normalizePath(pathname);
  if (target === SCREEN_PATHS.runs) {
    if (path === '/' || path === SCREEN_PATHS.runs) {
      return 'page';
    }
    return path.startsWith(`${SCREEN_PATHS.runs}/`) ? 'section' : false;
  }
  if (matchesPath(target, path)) {
    return 'page';
  }
  return path.startsWith(`${normalizePath(target)}/`) ? 'section' : false;
}

/** The document title's first part for the page at `pathname`. */
export function toScreenTitle(pathname: string, others: readonly NavTarget[]): string {
  const path = normalizePath(pathname);
  if (path === '/' || path === SCREEN_PATHS.runs) {
    return 'Runs';
  }
  if (matchesPath(`${SCREEN_PATHS.runs}/:id`, path)) {
    return `Run ${path.slice(SCREEN_PATHS.runs.length + 1).slice(0, 8)}`;
  }
  if (path === SCREEN_PATHS.jobs) {
    return JOBS_TITLE;
  }
  if (path === SCREEN_PATHS.inbox) {
    return 'Inbox';
  }
  return others.find((target) => matchesPath(target.path, path))?.title ?? 'Not found';
}

/** A plain left click without modifier keys: the page handles it; anything else opens as the browser would. */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey && !event.defaultPrevented;
}
