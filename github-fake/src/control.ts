/**
 * The control surface tests use to seed and inspect the fake. Every method
 * takes at most one JSON-able argument and returns JSON-able data (or a
 * promise of it, for git content), so the same object is served over HTTP as
 * `POST /_fake/<method>` (control-http.ts).
 */
import type { GitControl } from './control-git.ts';
import { createGitControl } from './control-git.ts';
import type { LabelIssueInput, SeedDeliveryInput, SeededUserView, SeedInstallationInput, SeedIssueInput, SeedLabel, SeedManifestCodeInput, SeedUserInput } from './control-seed.ts';
import { labelIssue, repoByName, seedDelivery, seedInstallation, seedIssue, seedLabels, seedManifestCode, seedUser, setPermission } from './control-seed.ts';
import type { GitRepos } from './git-repos.ts';
import { createHold, type Observations, type RequestLogEntry, type Violation } from './observations.ts';
import type { PrimaryBucket, RateLimiter, SecondaryInjection } from './rate-limits.ts';
import { toIsoTime } from './render-user.ts';
import type { AccessLevel, FakeState, IssueState, RepoPermission, UserType } from './state.ts';
import { ensureUser } from './state.ts';

export interface CommentView {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface TokenView {
  token: string;
  installation_id: number;
  permissions: Record<string, AccessLevel>;
  repository_selection: 'all' | 'selected';
  repositories: string[];
  expires_at: string;
  requested: { repositories?: string[]; repository_ids?: number[]; permissions?: Record<string, string> };
}

/** A user access token from the OAuth web flow; the refresh token stays inside the fake. */
export interface UserTokenView {
  token: string;
  login: string;
  user_id: number;
  client_id: string;
  created_at: string;
  expires_at: string;
  /** Rotated away by a refresh (or expired): no longer accepted. */
  live: boolean;
}

export interface PullView {
  number: number;
  title: string;
  body: string | null;
  /** Branch names. */
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  html_url: string;
}

export interface FakeGitHubControl extends GitControl {
  /** The fake's own App; `clientId`/`clientSecret` are what the OAuth web flow accepts. */
  app(): { id: number; slug: string; botLogin: string; privateKeyPem: string | null; clientId: string; clientSecret: string };
  seedInstallation(input: SeedInstallationInput): void;
  setPermission(input: { repo: string; user: string; permission: RepoPermission; type?: UserType }): void;
  setUserType(input: { user: string; type: UserType }): void;
  /** A person who can sign in through `/login/oauth/authorize` (unless `signIn: false`); `GET /user` shows their profile. */
  seedUser(input: SeedUserInput): SeededUserView;
  seedLabels(input: { repo: string; labels: (SeedLabel | string)[] }): void;
  seedIssue(input: SeedIssueInput): void;
  /** A person adds a label in the web UI (recorded as a `labeled` issue event). */
  labelIssue(input: LabelIssueInput): void;
  seedDelivery(input: SeedDeliveryInput): void;
  seedManifestCode(input: SeedManifestCodeInput): void;
  repoLabels(input: { repo: string }): { name: string; color: string; description: string | null }[];
  issueLabels(input: { repo: string; number: number }): string[];
  issueComments(input: { repo: string; number: number }): CommentView[];
  issueReactions(input: { repo: string; number: number }): { id: number; content: string; user: string; created_at: string }[];
  /** Pull requests (seeded or opened through the API), by number. */
  pulls(input: { repo: string }): PullView[];
  tokens(): TokenView[];
  /** User access tokens issued by `POST /login/oauth/access_token`, oldest first. */
  userTokens(): UserTokenView[];
  requests(): RequestLogEntry[];
  violations(): Violation[];
  /** API requests whose path contains `pathContains` wait from now on until `releaseRequests`. */
  holdRequests(input: { pathContains: string }): void;
  /** How many requests each hold keeps waiting now. */
  heldRequests(): { pathContains: string; waiting: number }[];
  /** Every held request goes on; the holds end. */
  releaseRequests(): void;
  /** Forgets logged requests and violations, e.g. between test cases sharing one fake. */
  clearObservations(): void;
  redeliveries(): { delivery_id: number; at: string }[];
  setPrimaryRateLimit(input: { installationId: number; remaining?: number; limit?: number; reset?: number }): PrimaryBucket;
  injectSecondaryRateLimit(input: Partial<SecondaryInjection> & { count: number }): void;
}

export interface ControlDeps {
  state: FakeState;
  limiter: RateLimiter;
  observations: Observations;
  now: () => number;
  appId: number;
  privateKeyPem: string | null;
  git: GitRepos;
}

function issueByNumber(state: FakeState, repo: string, number: number): IssueState {
  const issue = repoByName(state, repo).issues.get(number);
  if (issue === undefined) {
    throw new Error(`unknown issue ${repo}#${number}`);
  }
  return issue;
}

export function createControl(deps: ControlDeps): FakeGitHubControl {
  const { state, limiter, observations, now } = deps;
  return {
    ...createGitControl(state, deps.git),
    app() {
      const app = state.apps.get(deps.appId);
      return {
        id: deps.appId,
        slug: app?.slug ?? '',
        botLogin: app?.bot.login ?? '',
        privateKeyPem: deps.privateKeyPem,
        clientId: app?.clientId ?? '',
        clientSecret: app?.clientSecret ?? '',
      };
    },
    seedInstallation: (input) => seedInstallation(state, deps.appId, input, now()),
    setPermission: (input) => setPermission(state, input),
    setUserType: (input) => {
      ensureUser(state, input.user, input.type);
    },
    seedUser: (input) => seedUser(state, input, now()),
    seedLabels: (input) => seedLabels(state, input),
    seedIssue: (input) => seedIssue(state, input, now()),
    labelIssue: (input) => labelIssue(state, input, now()),
    seedDelivery: (input) => seedDelivery(state, input, now()),
    seedManifestCode: (input) => seedManifestCode(state, input),
    repoLabels: ({ repo }) => [...repoByName(state, repo).labels.values()].map((l) => ({ name: l.name, color: l.color, description: l.description })),
    issueLabels: ({ repo, number }) => [...issueByNumber(state, repo, number).labels],
    issueComments: ({ repo, number }) =>
      issueByNumber(state, repo, number).comments.map((c) => ({ id: c.id, body: c.body, user: c.user.login, created_at: toIsoTime(c.createdAt), updated_at: toIsoTime(c.updatedAt) })),
    issueReactions: ({ repo, number }) =>
      issueByNumber(state, repo, number).reactions.map((r) => ({ id: r.id, content: r.content, user: r.user.login, created_at: toIsoTime(r.createdAt) })),
    pulls: ({ repo }) => {
      const found = repoByName(state, repo);
      return [...found.issues.values()]
        .filter((i) => i.isPullRequest)
        .sort((a, b) => a.number - b.number)
        .map((p) => ({ number: p.number, title: p.title, body: p.body, head: p.headRef, base: p.baseRef, draft: p.draft, state: p.state, html_url: `https://github.com/${found.fullName}/pull/${p.number}` }));
    },
    tokens: () =>
      [...state.tokens.values()].map((t) => ({
        token: t.token,
        installation_id: t.installationId,
        permissions: t.permissions,
        repository_selection: t.repositorySelection,
        repositories: t.repositoryIds.map((id) => state.repos.get(id)?.fullName ?? String(id)),
        expires_at: toIsoTime(t.expiresAt),
        requested: t.requested,
      })),
    userTokens: () =>
      [...state.userTokens.values()].map((t) => ({
        token: t.token,
        login: t.user.login,
        user_id: t.user.id,
        client_id: state.apps.get(t.appId)?.clientId ?? '',
        created_at: toIsoTime(t.createdAt),
        expires_at: toIsoTime(t.expiresAt),
        live: t.revokedAt === null && t.expiresAt > now(),
      })),
    requests: () => [...observations.requests],
    violations: () => [...observations.violations],
    holdRequests: ({ pathContains }) => {
      observations.holds.push(createHold(pathContains));
    },
    heldRequests: () => observations.holds.map((h) => ({ pathContains: h.pathContains, waiting: h.waiting })),
    releaseRequests: () => {
      for (const hold of observations.holds.splice(0)) {
        hold.release();
      }
    },
    clearObservations: () => {
      observations.requests.length = 0;
      observations.violations.length = 0;
    },
    redeliveries: () => state.redeliveries.map((r) => ({ delivery_id: r.deliveryId, at: toIsoTime(r.at) })),
    setPrimaryRateLimit: ({ installationId, ...patch }) => limiter.setPrimary(`installation:${installationId}`, patch, 5000),
    injectSecondaryRateLimit: (input) =>
      limiter.inject({ installationId: input.installationId, count: input.count, status: input.status ?? 403, retryAfterSeconds: input.retryAfterSeconds ?? 60, scope: input.scope ?? 'content-write' }),
  };
}
