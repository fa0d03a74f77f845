/**
 * Starts a fake with a fixed clock and a small seeded world, and talks to it
 * over HTTP only, as the edge does. Tests never reach into the fake's internals.
 */
import type { FakeGitHub, FakeGitHubOptions } from '../src/index.ts';
import { signAppJwt, startFakeGitHub } from '../src/index.ts';

export const APP_ID = 4242;
export const INSTALLATION_ID = 77;
export const REPO = 'acme/widgets';
export const OTHER_REPO = 'acme/gadgets';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Harness {
  gh: FakeGitHub;
  /** Epoch ms the fake sees; tests move it. */
  clock: { now: number };
  jwt(overrides?: { iat?: number; exp?: number; appId?: number | string; privateKeyPem?: string }): string;
  mintToken(body?: unknown): Promise<string>;
  call<T = unknown>(method: string, path: string, opts?: { auth?: string; body?: unknown; rawBody?: string }): Promise<Reply<T>>;
}

export async function startHarness(options: FakeGitHubOptions = {}): Promise<Harness> {
  const clock = { now: Date.parse('2026-03-02T10:00:00Z') };
  const gh = await startFakeGitHub({ appId: APP_ID, now: () => clock.now, ...options });
  gh.seedInstallation({
    id: INSTALLATION_ID,
    account: 'acme',
    repositories: [
      { id: 501, full_name: REPO },
      { id: 502, full_name: OTHER_REPO },
    ],
  });
  const jwt: Harness['jwt'] = (overrides = {}) => {
    const nowS = Math.floor(clock.now / 1000);
    return signAppJwt({
      appId: overrides.appId ?? APP_ID,
      privateKeyPem: overrides.privateKeyPem ?? gh.appPrivateKeyPem ?? '',
      iat: overrides.iat ?? nowS - 30,
      exp: overrides.exp ?? nowS + 540,
    });
  };
  const call: Harness['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
    if (opts.auth !== undefined) {
      headers.authorization = opts.auth;
    }
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      init.body = body;
    }
    const res = await fetch(`${gh.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) } as Reply<never>;
  };
  const mintToken = async (body?: unknown): Promise<string> => {
    const res = await call<{ token: string }>('POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, { auth: `Bearer ${jwt()}`, body });
    if (res.status !== 201) {
      throw new Error(`minting failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.token;
  };
  return { gh, clock, jwt, mintToken, call };
}
