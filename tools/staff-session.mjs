// Signs a person in to a running edge the way a browser does: the edge's
// sign-in link, GitHub's authorize page (the fake GitHub redirects straight
// back for a known `login`), the callback; then keeps the cookies and sends
// the CSRF header on state-changing calls (docs/domain.md §8.1). For the e2e
// tests, the benchmarks and `npm run simulate`.

/** @param {Response} res @param {Map<string, string>} jar */
function keepCookies(res, jar) {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (value === '' || /max-age=0/i.test(line)) {
      jar.delete(name);
    } else {
      jar.set(name, value);
    }
  }
}

/** @param {Map<string, string>} jar */
const cookieHeader = (jar) => [...jar].map(([n, v]) => `${n}=${v}`).join('; ');

/**
 * @param {string} edgeUrl
 * @param {string} login a user the (fake) GitHub knows
 */
export async function signIn(edgeUrl, login) {
  const jar = new Map();
  const start = await fetch(`${edgeUrl}/auth/github/login?login=${encodeURIComponent(login)}`, { redirect: 'manual' });
  keepCookies(start, jar);
  const authorize = start.headers.get('location');
  if (start.status !== 302 || authorize === null) {
    throw new Error(`sign-in did not start: ${start.status} ${await start.text()}`);
  }
  const github = await fetch(authorize, { redirect: 'manual' });
  const callback = github.headers.get('location');
  if (github.status !== 302 || callback === null) {
    throw new Error(`GitHub did not send ${login} back: ${github.status}`);
  }
  const done = await fetch(callback, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
  keepCookies(done, jar);
  if (done.status !== 302 || !jar.has('stageline_session')) {
    throw new Error(`sign-in callback refused: ${done.status} ${await done.text()}`);
  }
  const csrf = jar.get('stageline_csrf') ?? '';
  return {
    login,
    csrf,
    /** The `Cookie` header a browser would send (e.g. for the realtime WebSocket). */
    cookie: () => cookieHeader(jar),
    /**
     * A staff call with the session's cookies; the CSRF header on anything but GET.
     * @param {string} path @param {RequestInit} [init]
     */
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookieHeader(jar));
      if ((init.method ?? 'GET') !== 'GET') {
        headers.set('x-csrf-token', csrf);
      }
      return fetch(`${edgeUrl}${path}`, { ...init, headers });
    },
    /** The cookies for a browser context (playwright's `addCookies`). */
    browserCookies() {
      const { hostname } = new URL(edgeUrl);
      return [...jar].map(([name, value]) => ({ name, value, domain: hostname, path: name === 'stageline_refresh' ? '/auth' : '/', httpOnly: name !== 'stageline_csrf', secure: false, sameSite: /** @type {const} */ ('Lax') }));
    },
  };
}
