/**
 * The session's CSRF token (docs/domain.md §8.1). The edge keeps it in the
 * `stageline_csrf` cookie, readable by page scripts, and refuses every
 * state-changing staff call (and `/auth/refresh`, `/auth/logout`) that does
 * not echo it in `X-CSRF-Token`.
 */
export const CSRF_COOKIE = 'stageline_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** Methods that change nothing; every other method carries the CSRF header. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The token from a `document.cookie` string, or `null` when the cookie is
 * missing or empty (not signed in, or signed out in another tab).
 *
 * @example readCsrfToken('theme=dark; stageline_csrf=abc123') // 'abc123'
 */
export function readCsrfToken(cookie: string): string | null {
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== CSRF_COOKIE) {
      continue;
    }
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    return value === '' ? null : decodeCookieValue(value);
  }
  return null;
}

export function isSafeMethod(method: string | undefined): boolean {
  return SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoded after all (a stray `%`): the raw value is what the edge set.
    return value;
  }
}
