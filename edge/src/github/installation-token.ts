/**
 * Installation access tokens (`POST /app/installations/{id}/access_tokens`),
 * each narrowed to one repository and to the permissions one use needs, and
 * cached in memory (of the isolate or Durable Object that owns the source)
 * until five minutes before `expires_at`. Concurrent callers share one mint.
 *
 * Token text is opaque: no length or prefix is assumed, and it is never logged.
 */
import type { AppJwtSigner } from './app-jwt.ts';
import type { GitHubResult, RestTransport } from './rest-transport.ts';

export type PermissionLevel = 'read' | 'write';

/**
 * The narrowest permission sets, per use (GitHub's "Permissions required for
 * GitHub Apps" / the endpoints' fine-grained permission notes):
 * - `issuesWrite`: issue comments (list/create/edit), issue labels, issue
 *   reactions and repository labels (create/update) on issues;
 * - `pullRequestsWrite`: the same issue-comment/label/reaction endpoints on a
 *   pull request thread;
 * - `issuesRead`: list issues;
 * - `metadataRead`: collaborators (incl. `GET /repos/{o}/{r}/collaborators/{u}/permission`)
 *   and reading the repository's labels.
 * Metadata read is implied by any repository permission; it is listed so the
 * request says exactly what the token can do.
 */
export const TOKEN_SCOPES = {
  issuesWrite: { issues: 'write', metadata: 'read' },
  pullRequestsWrite: { pull_requests: 'write', metadata: 'read' },
  issuesRead: { issues: 'read', metadata: 'read' },
  metadataRead: { metadata: 'read' },
  // A run's git credentials (routes/runner-api.ts): clone, and push for stages that write.
  contentsRead: { contents: 'read', metadata: 'read' },
  contentsWrite: { contents: 'write', metadata: 'read' },
} as const satisfies Record<string, Readonly<Record<string, PermissionLevel>>>;

export type TokenScope = keyof typeof TOKEN_SCOPES;

/** A cached token is replaced this long before GitHub expires it. */
export const TOKEN_REFRESH_BEFORE_MS = 5 * 60_000;

export interface TokenRequest {
  installationId: number;
  /** The token is valid for this repository only. */
  repositoryId: number;
  scope: TokenScope;
}

export interface InstallationToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface InstallationTokenSource {
  get(request: TokenRequest): Promise<GitHubResult<InstallationToken>>;
  /** Forget a token GitHub rejected (401), so the next `get` mints a new one. */
  invalidate(request: TokenRequest): void;
  /** A token of its own, never cached or shared: the holder revokes it when done (a run's git credentials). */
  mintUnshared(request: TokenRequest): Promise<GitHubResult<InstallationToken>>;
}

export interface InstallationTokenOptions {
  transport: RestTransport;
  appJwt: AppJwtSigner;
  /** Epoch ms. */
  now: () => number;
}

function cacheKey(r: TokenRequest): string {
  return `${r.installationId}:${r.repositoryId}:${r.scope}`;
}

function parseToken(body: unknown): InstallationToken | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const { token, expires_at: expiresAtRaw } = body as { token?: unknown; expires_at?: unknown };
  const expiresAt = typeof expiresAtRaw === 'string' ? Date.parse(expiresAtRaw) : Number.NaN;
  if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresAt)) {
    return null;
  }
  return { token, expiresAt };
}

export function createInstallationTokenSource(options: InstallationTokenOptions): InstallationTokenSource {
  const cache = new Map<string, InstallationToken>();
  const inFlight = new Map<string, Promise<GitHubResult<InstallationToken>>>();

  const mint = async (request: TokenRequest): Promise<GitHubResult<InstallationToken>> => {
    let jwt: string;
    try {
      jwt = await options.appJwt.jwt();
    } catch (error) {
      return { ok: false, error: { kind: 'not_configured', message: error instanceof Error ? error.message : 'cannot sign the App JWT' } };
    }
    const res = await options.transport.send({
      method: 'POST',
      path: `/app/installations/${request.installationId}/access_tokens`,
      route: 'POST /app/installations/{installation_id}/access_tokens',
      auth: jwt,
      body: { repository_ids: [request.repositoryId], permissions: TOKEN_SCOPES[request.scope] },
    });
    if (!res.ok) {
      return res;
    }
    const token = parseToken(res.value.body);
    if (token === null) {
      return { ok: false, error: { kind: 'bad_response', status: res.value.status, message: 'access token response without token/expires_at' } };
    }
    return { ok: true, value: token };
  };

  return {
    async get(request) {
      const key = cacheKey(request);
      const cached = cache.get(key);
      if (cached !== undefined && cached.expiresAt - TOKEN_REFRESH_BEFORE_MS > options.now()) {
        return { ok: true, value: cached };
      }
      const pending = inFlight.get(key);
      if (pending !== undefined) {
        return pending;
      }
      const promise = mint(request)
        .then((result) => {
          if (result.ok) {
            cache.set(key, result.value);
          }
          return result;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    invalidate(request) {
      cache.delete(cacheKey(request));
    },
    mintUnshared: mint,
  };
}
