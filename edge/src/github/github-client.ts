/**
 * The small GitHub REST client of the edge: typed methods for what the
 * product does, each authenticated with the narrowest token (installation
 * tokens per repository and scope, the App JWT for `/app/...`). Failures are
 * `GitHubError` results, never thrown. Response bodies are parsed with zod to
 * the fields we use.
 */
import { z } from 'zod';
import type { AppJwtSigner } from './app-jwt.ts';
import type { InstallationTokenSource, TokenScope } from './installation-token.ts';
import type { GitHubError, GitHubResult, RestRequest, RestResponse, RestTransport } from './rest-transport.ts';

/** A repository of one installation. `repositoryId` narrows the token. */
export interface RepoRef {
  installationId: number;
  repositoryId: number;
  owner: string;
  repo: string;
}

/** An issue or pull request conversation (both use the issues endpoints). */
export interface ThreadRef extends RepoRef {
  number: number;
  isPullRequest?: boolean;
}

const LabelSchema = z.object({ id: z.number(), name: z.string(), color: z.string(), description: z.string().nullable().optional() });
const CommentSchema = z.object({ id: z.number(), body: z.string().optional(), html_url: z.string(), updated_at: z.string() });
const ReactionSchema = z.object({ id: z.number(), content: z.string() });
const IssueSchema = z.object({
  id: z.number().optional(),
  number: z.number(),
  html_url: z.string().optional(),
  title: z.string(),
  state: z.string(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string().optional() })])),
  pull_request: z.object({}).optional(),
  updated_at: z.string().optional(),
});
const IssueEventSchema = z.object({
  id: z.number(),
  event: z.string(),
  created_at: z.string(),
  actor: z.object({ id: z.number(), login: z.string(), type: z.string() }).nullable(),
  label: z.object({ name: z.string() }).optional(),
});
const PermissionSchema = z.object({ permission: z.string(), role_name: z.string().optional(), user: z.object({ login: z.string() }).nullable() });
const DeliverySchema = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number(),
  event: z.string(),
  action: z.string().nullable(),
  installation_id: z.number().nullable(),
  repository_id: z.number().nullable(),
});
const PullRequestSchema = z.object({
  number: z.number(),
  html_url: z.string(),
  state: z.string(),
  draft: z.boolean().optional(),
  title: z.string(),
  body: z.string().nullable(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string(), sha: z.string() }),
});
const InstallationSchema = z.object({ id: z.number(), app_id: z.number().optional(), account: z.object({ login: z.string().optional() }).nullable().optional() });
const ManifestConversionSchema = z.object({
  id: z.number(),
  slug: z.string().optional(),
  client_id: z.string(),
  client_secret: z.string(),
  webhook_secret: z.string().nullable(),
  pem: z.string(),
});

export type Label = z.infer<typeof LabelSchema>;
export type IssueComment = z.infer<typeof CommentSchema>;
export type Reaction = z.infer<typeof ReactionSchema>;
export type Issue = z.infer<typeof IssueSchema>;
/** One entry of an issue's timeline (`labeled`, `unlabeled`, `closed`, …). */
export type IssueEvent = z.infer<typeof IssueEventSchema>;
export type CollaboratorPermission = z.infer<typeof PermissionSchema>;
export type HookDelivery = z.infer<typeof DeliverySchema>;
export type Installation = z.infer<typeof InstallationSchema>;
export type PullRequest = z.infer<typeof PullRequestSchema>;

export interface PullRequestInput {
  title: string;
  body: string;
  /** Branch name in the same repository. */
  head: string;
  base: string;
  draft: boolean;
}
/** Holds the new App's secrets: store them, never log them. */
export type AppManifestConversion = z.infer<typeof ManifestConversionSchema>;

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export interface LabelInput {
  name: string;
  /** Six hex digits without `#`. */
  color: string;
  description?: string;
}

export interface ListOptions {
  /** Stop after this many pages of 100 (default 10). */
  maxPages?: number;
}

export interface GitHubClient {
  getCollaboratorPermission(repo: RepoRef, username: string): Promise<GitHubResult<CollaboratorPermission>>;
  listRepoLabels(repo: RepoRef, options?: ListOptions): Promise<GitHubResult<Label[]>>;
  createLabel(repo: RepoRef, label: LabelInput): Promise<GitHubResult<Label>>;
  updateLabel(repo: RepoRef, name: string, patch: { newName?: string; color?: string; description?: string }): Promise<GitHubResult<Label>>;
  addIssueLabels(thread: ThreadRef, labels: readonly string[]): Promise<GitHubResult<Label[]>>;
  removeIssueLabel(thread: ThreadRef, label: string): Promise<GitHubResult<Label[]>>;
  createIssueComment(thread: ThreadRef, body: string): Promise<GitHubResult<IssueComment>>;
  updateIssueComment(thread: ThreadRef, commentId: number, body: string): Promise<GitHubResult<IssueComment>>;
  listIssueComments(thread: ThreadRef, options?: ListOptions): Promise<GitHubResult<IssueComment[]>>;
  /** The first comment of the thread whose body contains `marker`, or null. */
  findIssueCommentByMarker(thread: ThreadRef, marker: string, options?: ListOptions): Promise<GitHubResult<IssueComment | null>>;
  createIssueReaction(thread: ThreadRef, content: ReactionContent): Promise<GitHubResult<Reaction>>;
  /** Open issues (and pull requests: check `pull_request`) carrying all `labels`. */
  listIssues(repo: RepoRef, query: { labels?: readonly string[]; state?: 'open' | 'closed' | 'all' }, options?: ListOptions): Promise<GitHubResult<Issue[]>>;
  /** The issue's events, oldest first (label changes carry `label` and the `actor` who made them). */
  listIssueEvents(thread: ThreadRef, options?: ListOptions): Promise<GitHubResult<IssueEvent[]>>;
  listAppHookDeliveries(options?: ListOptions & { perPage?: number }): Promise<GitHubResult<HookDelivery[]>>;
  redeliverAppHookDelivery(deliveryId: number): Promise<GitHubResult<void>>;
  getRepoInstallation(owner: string, repo: string): Promise<GitHubResult<Installation>>;
  getRepository(repo: RepoRef): Promise<GitHubResult<{ default_branch: string }>>;
  createPullRequest(repo: RepoRef, input: PullRequestInput): Promise<GitHubResult<PullRequest>>;
  updatePullRequest(repo: RepoRef, number: number, patch: { title?: string; body?: string }): Promise<GitHubResult<PullRequest>>;
  getPullRequest(repo: RepoRef, number: number): Promise<GitHubResult<PullRequest>>;
  /** Open pull requests whose head is `branch` of the repository itself. */
  listPullRequestsByHead(repo: RepoRef, branch: string): Promise<GitHubResult<PullRequest[]>>;
  /** `DELETE /installation/token`, authenticated by the token itself. */
  revokeInstallationToken(token: string): Promise<GitHubResult<void>>;
  /** `POST /app-manifests/{code}/conversions` (unauthenticated: the code is the credential). */
  convertAppManifest(code: string): Promise<GitHubResult<AppManifestConversion>>;
}

export interface GitHubClientOptions {
  transport: RestTransport;
  tokens: InstallationTokenSource;
  appJwt: AppJwtSigner;
}

const seg = encodeURIComponent;
const DEFAULT_MAX_PAGES = 10;

function repoPath(r: RepoRef): string {
  return `/repos/${seg(r.owner)}/${seg(r.repo)}`;
}

function threadScope(thread: ThreadRef): TokenScope {
  return thread.isPullRequest === true ? 'pullRequestsWrite' : 'issuesWrite';
}

function parseBody<T>(schema: z.ZodType<T>, res: RestResponse): GitHubResult<T> {
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) {
    // Only the first issue's path: never echo the body itself.
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    return { ok: false, error: { kind: 'bad_response', status: res.status, message: `unexpected response shape at "${path}"` } };
  }
  return { ok: true, value: parsed.data };
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { transport, tokens, appJwt } = options;

  /** Send with an installation token; a 401 drops the cached token and retries once. */
  const asInstallation = async (repo: RepoRef, scope: TokenScope, request: Omit<RestRequest, 'auth'>): Promise<GitHubResult<RestResponse>> => {
    const tokenRequest = { installationId: repo.installationId, repositoryId: repo.repositoryId, scope };
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.get(tokenRequest);
      if (!token.ok) {
        return token;
      }
      const res = await transport.send({ ...request, auth: token.value.token });
      if (!res.ok && res.error.kind === 'unauthorized' && attempt === 0) {
        tokens.invalidate(tokenRequest);
        continue;
      }
      return res;
    }
  };

  const asApp = async (request: Omit<RestRequest, 'auth'>): Promise<GitHubResult<RestResponse>> => {
    let jwt: string;
    try {
      jwt = await appJwt.jwt();
    } catch (error) {
      return { ok: false, error: { kind: 'not_configured', message: error instanceof Error ? error.message : 'cannot sign the App JWT' } };
    }
    return transport.send({ ...request, auth: jwt });
  };

  /** Follow Link rel="next" up to `maxPages`, collecting array bodies. */
  const paginate = async <T>(
    send: (request: Omit<RestRequest, 'auth'>) => Promise<GitHubResult<RestResponse>>,
    first: Omit<RestRequest, 'auth'>,
    item: z.ZodType<T>,
    maxPages: number,
    stop?: (page: T[]) => boolean,
  ): Promise<GitHubResult<T[]>> => {
    const all: T[] = [];
    let request: Omit<RestRequest, 'auth'> | null = first;
    for (let page = 0; request !== null && page < maxPages; page++) {
      const res: GitHubResult<RestResponse> = await send(request);
      if (!res.ok) {
        return res;
      }
      const parsed = parseBody(z.array(item), res.value);
      if (!parsed.ok) {
        return parsed;
      }
      all.push(...parsed.value);
      if (stop?.(parsed.value) === true) {
        break;
      }
      request = res.value.nextUrl === null ? null : { method: 'GET', path: res.value.nextUrl, route: first.route };
    }
    return { ok: true, value: all };
  };

  const withBody = async <T>(res: Promise<GitHubResult<RestResponse>>, schema: z.ZodType<T>): Promise<GitHubResult<T>> => {
    const r = await res;
    return r.ok ? parseBody(schema, r.value) : r;
  };

  const listComments = (thread: ThreadRef, maxPages: number, stop?: (page: IssueComment[]) => boolean) =>
    paginate(
      (req) => asInstallation(thread, threadScope(thread), req),
      { method: 'GET', path: `${repoPath(thread)}/issues/${thread.number}/comments`, route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', query: { per_page: 100 } },
      CommentSchema,
      maxPages,
      stop,
    );

  return {
    getCollaboratorPermission: (repo, username) =>
      withBody(
        asInstallation(repo, 'metadataRead', {
          method: 'GET',
          path: `${repoPath(repo)}/collaborators/${seg(username)}/permission`,
          route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        }),
        PermissionSchema,
      ),

    listRepoLabels: (repo, o) =>
      paginate(
        (req) => asInstallation(repo, 'metadataRead', req),
        { method: 'GET', path: `${repoPath(repo)}/labels`, route: 'GET /repos/{owner}/{repo}/labels', query: { per_page: 100 } },
        LabelSchema,
        o?.maxPages ?? DEFAULT_MAX_PAGES,
      ),

    createLabel: (repo, label) =>
      withBody(
        asInstallation(repo, 'issuesWrite', {
          method: 'POST',
          path: `${repoPath(repo)}/labels`,
          route: 'POST /repos/{owner}/{repo}/labels',
          body: { name: label.name, color: label.color, ...(label.description === undefined ? {} : { description: label.description }) },
        }),
        LabelSchema,
      ),

    updateLabel: (repo, name, patch) =>
      withBody(
        asInstallation(repo, 'issuesWrite', {
          method: 'PATCH',
          path: `${repoPath(repo)}/labels/${seg(name)}`,
          route: 'PATCH /repos/{owner}/{repo}/labels/{name}',
          body: {
            ...(patch.newName === undefined ? {} : { new_name: patch.newName }),
            ...(patch.color === undefined ? {} : { color: patch.color }),
            ...(patch.description === undefined ? {} : { description: patch.description }),
          },
        }),
        LabelSchema,
      ),

    addIssueLabels: (thread, labels) =>
      withBody(
        asInstallation(thread, threadScope(thread), {
          method: 'POST',
          path: `${repoPath(thread)}/issues/${thread.number}/labels`,
          route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels',
          body: { labels: [...labels] },
        }),
        z.array(LabelSchema),
      ),

    removeIssueLabel: (thread, label) =>
      withBody(
        asInstallation(thread, threadScope(thread), {
          method: 'DELETE',
          path: `${repoPath(thread)}/issues/${thread.number}/labels/${seg(label)}`,
          route: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
        }),
        z.array(LabelSchema),
      ),

    createIssueComment: (thread, body) =>
      withBody(
        asInstallation(thread, threadScope(thread), {
          method: 'POST',
          path: `${repoPath(thread)}/issues/${thread.number}/comments`,
          route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
          body: { body },
        }),
        CommentSchema,
      ),

    updateIssueComment: (thread, commentId, body) =>
      withBody(
        asInstallation(thread, threadScope(thread), {
          method: 'PATCH',
          path: `${repoPath(thread)}/issues/comments/${commentId}`,
          route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
          body: { body },
        }),
        CommentSchema,
      ),

    listIssueComments: (thread, o) => listComments(thread, o?.maxPages ?? DEFAULT_MAX_PAGES),

    async findIssueCommentByMarker(thread, marker, o) {
      const has = (c: IssueComment) => c.body?.includes(marker) === true;
      const res = await listComments(thread, o?.maxPages ?? DEFAULT_MAX_PAGES, (page) => page.some(has));
      return res.ok ? { ok: true, value: res.value.find(has) ?? null } : res;
    },

    createIssueReaction: (thread, content) =>
      withBody(
        asInstallation(thread, threadScope(thread), {
          method: 'POST',
          path: `${repoPath(thread)}/issues/${thread.number}/reactions`,
          route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/reactions',
          body: { content },
        }),
        ReactionSchema,
      ),

    listIssues: (repo, query, o) =>
      paginate(
        (req) => asInstallation(repo, 'issuesRead', req),
        {
          method: 'GET',
          path: `${repoPath(repo)}/issues`,
          route: 'GET /repos/{owner}/{repo}/issues',
          query: { state: query.state ?? 'open', labels: query.labels === undefined || query.labels.length === 0 ? undefined : query.labels.join(','), per_page: 100 },
        },
        IssueSchema,
        o?.maxPages ?? DEFAULT_MAX_PAGES,
      ),

    listIssueEvents: (thread, o) =>
      paginate(
        (req) => asInstallation(thread, 'issuesRead', req),
        { method: 'GET', path: `${repoPath(thread)}/issues/${thread.number}/events`, route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/events', query: { per_page: 100 } },
        IssueEventSchema,
        o?.maxPages ?? DEFAULT_MAX_PAGES,
      ),

    listAppHookDeliveries: (o) =>
      paginate(asApp, { method: 'GET', path: '/app/hook/deliveries', route: 'GET /app/hook/deliveries', query: { per_page: o?.perPage ?? 100 } }, DeliverySchema, o?.maxPages ?? 1),

    async redeliverAppHookDelivery(deliveryId) {
      const res = await asApp({ method: 'POST', path: `/app/hook/deliveries/${deliveryId}/attempts`, route: 'POST /app/hook/deliveries/{delivery_id}/attempts' });
      return res.ok ? { ok: true, value: undefined } : res;
    },

    getRepoInstallation: (owner, repo) =>
      withBody(asApp({ method: 'GET', path: `/repos/${seg(owner)}/${seg(repo)}/installation`, route: 'GET /repos/{owner}/{repo}/installation' }), InstallationSchema),

    getRepository: (repo) =>
      withBody(
        asInstallation(repo, 'metadataRead', { method: 'GET', path: repoPath(repo), route: 'GET /repos/{owner}/{repo}' }),
        z.object({ default_branch: z.string() }),
      ),

    createPullRequest: (repo, input) =>
      withBody(
        asInstallation(repo, 'pullRequestsWrite', {
          method: 'POST',
          path: `${repoPath(repo)}/pulls`,
          route: 'POST /repos/{owner}/{repo}/pulls',
          body: { title: input.title, body: input.body, head: input.head, base: input.base, draft: input.draft },
        }),
        PullRequestSchema,
      ),

    updatePullRequest: (repo, number, patch) =>
      withBody(
        asInstallation(repo, 'pullRequestsWrite', {
          method: 'PATCH',
          path: `${repoPath(repo)}/pulls/${number}`,
          route: 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
          body: { ...(patch.title === undefined ? {} : { title: patch.title }), ...(patch.body === undefined ? {} : { body: patch.body }) },
        }),
        PullRequestSchema,
      ),

    getPullRequest: (repo, number) =>
      withBody(
        asInstallation(repo, 'pullRequestsWrite', { method: 'GET', path: `${repoPath(repo)}/pulls/${number}`, route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}' }),
        PullRequestSchema,
      ),

    listPullRequestsByHead: (repo, branch) =>
      paginate(
        (req) => asInstallation(repo, 'pullRequestsWrite', req),
        { method: 'GET', path: `${repoPath(repo)}/pulls`, route: 'GET /repos/{owner}/{repo}/pulls', query: { state: 'open', head: `${repo.owner}:${branch}`, per_page: 100 } },
        PullRequestSchema,
        1,
      ),

    async revokeInstallationToken(token) {
      const res = await transport.send({ method: 'DELETE', path: '/installation/token', route: 'DELETE /installation/token', auth: token });
      return res.ok ? { ok: true, value: undefined } : res;
    },

    convertAppManifest: (code) =>
      withBody(
        transport.send({ method: 'POST', path: `/app-manifests/${seg(code)}/conversions`, route: 'POST /app-manifests/{code}/conversions' }),
        ManifestConversionSchema,
      ),
  };
}

export type { GitHubError, GitHubResult };
