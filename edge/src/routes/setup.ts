import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../env.ts';
import { readGitHubAppSettings } from '../env.ts';
import { buildAppManifest, githubWebOrigin, manifestFormAction, safeEqual, signSetupState, verifySetupState } from '../github/app-manifest.ts';
import { createGitHubApp } from '../github/github-app.ts';
import type { AppManifestConversion } from '../github/github-client.ts';
import { errorBody } from '../lib/http-error.ts';

const COOKIE = 'stageline_setup';
const TOKEN_HEADER = 'x-stageline-setup-token';
const CODE = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * `/setup`: create Stageline's GitHub App from a manifest (github/app-manifest.ts).
 * Exists only while the `STAGELINE_SETUP_TOKEN` secret is set, and only for
 * whoever presents it (`?token=` or `X-Stageline-Setup-Token`); otherwise
 * every path here is the ordinary 404. The callback is bound to the browser
 * that started the flow: the signed `state` must match its cookie. Pages
 * carry the App's secrets, so they are `no-store` and nothing of them is logged.
 */
export const setup = new Hono<AppEnv>()
  .use('/setup', guard)
  .use('/setup/*', guard)
  .get('/setup', async (c) => {
    const token = setupToken(c.env) ?? '';
    const nonce = randomNonce();
    const state = await signSetupState(token, nonce, Date.now());
    const organization = (c.req.query('org') ?? '').trim();
    const web = githubWebOrigin(readGitHubAppSettings(c.env).apiUrl);
    const action = manifestFormAction(web, organization === '' ? null : organization, state);
    if (action === null) {
      return c.json(errorBody('invalid_argument', 'org must be a GitHub organization login', 'org'), 400);
    }
    const origin = new URL(c.req.url).origin;
    const name = (c.req.query('name') ?? '').trim().slice(0, 34) || 'Stageline';
    const manifest = buildAppManifest({ name, origin, homepage: consoleUrl(c.env) });
    setCookie(c, COOKIE, nonce, { path: '/setup', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 3600 });
    noStore(c, web);
    return c.html(formPage({ action, manifest: JSON.stringify(manifest, null, 2), organization, name, token }));
  })
  .get('/setup/callback', async (c) => {
    const code = c.req.query('code') ?? '';
    const state = c.req.query('state') ?? '';
    const nonce = await verifySetupState(setupToken(c.env) ?? '', state, Date.now());
    if (nonce === null || !CODE.test(code) || getCookie(c, COOKIE) !== nonce) {
      return c.json(errorBody('invalid_argument', 'unknown, expired or foreign setup state; start again at /setup'), 400);
    }
    const settings = readGitHubAppSettings(c.env);
    // Only the code is sent; the answer is never logged (it holds the App's secrets).
    const { client } = createGitHubApp({ settings, log: c.var.log.with({ component: 'setup' }), now: Date.now });
    const conversion = await client.convertAppManifest(code);
    noStore(c, githubWebOrigin(settings.apiUrl));
    if (!conversion.ok) {
      c.var.log.warn('setup: manifest conversion failed', { error: conversion.error.kind });
      const status = conversion.error.kind === 'not_found' || conversion.error.kind === 'unprocessable' ? 400 : 502;
      return c.json(errorBody(status === 400 ? 'invalid_argument' : 'unavailable', 'GitHub did not convert the code (used already, or older than one hour?); start again at /setup'), status);
    }
    setCookie(c, COOKIE, '', { path: '/setup', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 0 });
    c.var.log.info('setup: GitHub App created', { appId: conversion.value.id });
    return c.html(secretsPage(conversion.value, githubWebOrigin(settings.apiUrl)));
  });

function setupToken(env: Env): string | null {
  const token = (env.STAGELINE_SETUP_TOKEN ?? '').trim();
  return token === '' ? null : token;
}

/** 404 (the app's own not-found body) unless the setup token is configured and presented. */
async function guard(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const expected = setupToken(c.env);
  const presented = c.req.query('token') ?? c.req.header(TOKEN_HEADER) ?? '';
  // The callback comes back from GitHub without the token: its signed state and cookie stand in for it.
  const isCallback = c.req.path === '/setup/callback';
  if (expected === null || (!isCallback && !safeEqual(presented, expected))) {
    return c.json(errorBody('not_found', 'no such endpoint'), 404);
  }
  await next();
}

function noStore(c: Context<AppEnv>, githubOrigin: string): void {
  c.header('Cache-Control', 'no-store');
  c.header('Pragma', 'no-cache');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Robots-Tag', 'noindex');
  c.header('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${githubOrigin}; frame-ancestors 'none'`);
}

function consoleUrl(env: Env): string | null {
  const url = env.STAGELINE_CONSOLE_URL.trim();
  return url === '' ? null : url;
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}pre,textarea{width:100%;font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f4f4f4;padding:.75rem;overflow:auto}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function formPage(v: { action: string; manifest: string; organization: string; name: string; token: string }): string {
  return page(
    'Stageline setup: create the GitHub App',
    `<h1>Create the Stageline GitHub App</h1>
<form method="get" action="/setup">
<input type="hidden" name="token" value="${escapeHtml(v.token)}">
<label>App name <input name="name" value="${escapeHtml(v.name)}" maxlength="34"></label>
<label>Organization (empty: your personal account) <input name="org" value="${escapeHtml(v.organization)}"></label>
<button type="submit">Update</button>
</form>
<p>GitHub will show the App's settings for review, create it and bring you back here with its credentials.</p>
<form method="post" action="${escapeHtml(v.action)}">
<textarea name="manifest" rows="22" readonly>${escapeHtml(v.manifest)}</textarea>
<button type="submit">Create the GitHub App on GitHub</button>
</form>`,
  );
}

function secretsPage(app: AppManifestConversion, webOrigin: string): string {
  const slug = app.slug ?? '';
  const install = slug === '' ? '' : `<p>Then install it on your repositories: <a href="${escapeHtml(`${webOrigin}/apps/${slug}/installations/new`)}">${escapeHtml(`${webOrigin}/apps/${slug}/installations/new`)}</a></p>`;
  return page(
    'Stageline setup: store the App credentials',
    `<h1>GitHub App created</h1>
<p><strong>This page is shown once.</strong> Store the values now; GitHub will not show the webhook secret or the private key again (a new key can be generated in the App's settings).</p>
<h2>1. Variables (wrangler.toml <code>[vars]</code>)</h2>
<pre>GITHUB_APP_ID = "${escapeHtml(String(app.id))}"
STAGELINE_GITHUB_APP_SLUG = "${escapeHtml(slug)}"
GITHUB_APP_CLIENT_ID = "${escapeHtml(app.client_id)}"</pre>
<h2>2. Webhook secret</h2>
<p>Run this and paste the value when asked:</p>
<pre>npx wrangler secret put GITHUB_WEBHOOK_SECRET</pre>
<textarea rows="1" readonly aria-label="GITHUB_WEBHOOK_SECRET">${escapeHtml(app.webhook_secret ?? '')}</textarea>
<h2>3. Private key</h2>
<p>Save this as <code>stageline-app.private-key.pem</code> (outside the repository), then run:</p>
<pre>npx wrangler secret put GITHUB_APP_PRIVATE_KEY &lt; stageline-app.private-key.pem</pre>
<textarea rows="10" readonly aria-label="GITHUB_APP_PRIVATE_KEY">${escapeHtml(app.pem)}</textarea>
<h2>4. Client secret (staff sign-in with GitHub)</h2>
<pre>npx wrangler secret put GITHUB_APP_CLIENT_SECRET</pre>
<textarea rows="1" readonly aria-label="GITHUB_APP_CLIENT_SECRET">${escapeHtml(app.client_secret)}</textarea>
<h2>5. Close the setup page</h2>
<pre>npx wrangler secret delete STAGELINE_SETUP_TOKEN
npx wrangler deploy</pre>
${install}`,
  );
}
