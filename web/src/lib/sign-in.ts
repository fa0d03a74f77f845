/**
 * Staff sign-in is a full-page trip through the edge and GitHub
 * (docs/domain.md §8.1): `/auth/github/login?return_to=<path>` → GitHub →
 * `/auth/github/callback` → back to `return_to` with the session cookies set.
 * A cancel on GitHub comes back as `/?signin_error=access_denied`.
 */
export const SIGN_IN_PATH = '/auth/github/login';
export const SIGNIN_ERROR_PARAM = 'signin_error';

/** The sign-in link that brings the person back to `returnTo` (a path on this origin). */
export function toSignInUrl(returnTo: string): string {
  const path = returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
  return `${SIGN_IN_PATH}?return_to=${encodeURIComponent(path)}`;
}

/**
 * Splits a page address into the sign-in error it carries, if any, and the
 * same address without it (what to return to, and what to show in the bar).
 */
export function readSignInError(location: Pick<Location, 'pathname' | 'search' | 'hash'>): { error: string | null; path: string } {
  const params = new URLSearchParams(location.search);
  const error = params.get(SIGNIN_ERROR_PARAM);
  params.delete(SIGNIN_ERROR_PARAM);
  const search = params.toString();
  return { error: error === '' ? null : error, path: `${location.pathname}${search === '' ? '' : `?${search}`}${location.hash}` };
}

/** A sentence for the sign-in screen. */
export function describeSignInError(code: string): string {
  return code === 'access_denied' ? 'Sign-in was cancelled on GitHub.' : `Sign-in did not complete (${code}). Try again.`;
}
