/**
 * The few github.com pages the OAuth web flow shows: the account picker
 * ("Sign in to <App>") and the error pages. Markup is minimal but stable
 * (`data-login` on each account link, `data-action="cancel"`), so a test or a
 * headless browser can click through. Everything printed is HTML-escaped.
 */
import type { UserState } from './state.ts';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

export interface SignInPageInput {
  appName: string;
  users: readonly UserState[];
  /** Where choosing this account goes: the same authorize URL with `login` set. */
  hrefFor: (login: string) => string;
  /** The redirect URI with GitHub's `access_denied` error. */
  cancelHref: string;
}

export function signInPage(input: SignInPageInput): string {
  const items = input.users.map((u) => {
    const name = u.profile?.name;
    const suffix = name === null || name === undefined ? '' : ` <span>${escapeHtml(name)}</span>`;
    return `<li><a href="${escapeHtml(input.hrefFor(u.login))}" data-login="${escapeHtml(u.login)}">${escapeHtml(u.login)}</a>${suffix}</li>`;
  });
  const list = items.length === 0 ? '<p>No account can sign in here yet; seed one with <code>seedUser</code>.</p>' : `<ul>\n${items.join('\n')}\n</ul>`;
  return page(
    `Sign in to ${input.appName}`,
    `<p>Choose the GitHub account to authorize ${escapeHtml(input.appName)} for.</p>
${list}
<p><a href="${escapeHtml(input.cancelHref)}" data-action="cancel">Cancel</a></p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
