/**
 * Seeding the fake's world. Objects that mirror GitHub's (repositories,
 * deliveries) take GitHub's snake_case field names; everything else is camelCase.
 */
import { addRepoLabel } from './handlers/labels.ts';
import type { AccessLevel, DeliveryState, FakeState, RepoPermission, RepoState, UserType } from './state.ts';
import { ensureUser, findRepo } from './state.ts';

export class ControlError extends Error {
  override readonly name = 'ControlError';
}

/** Contents write, so tokens can push over git (or ask for less). */
export const DEFAULT_INSTALLATION_PERMISSIONS: Record<string, AccessLevel> = { metadata: 'read', issues: 'write', pull_requests: 'write', contents: 'write' };

export interface SeedInstallationInput {
  id: number;
  account: string | { login: string; type?: 'User' | 'Organization' };
  repositories: { id: number; full_name: string }[];
  permissions?: Record<string, AccessLevel>;
  repositorySelection?: 'all' | 'selected';
  events?: string[];
  /** Defaults to the fake's own App. */
  appId?: number;
}

export interface SeedIssueInput {
  /** `owner/name` of a seeded repository. */
  repo: string;
  number: number;
  title?: string;
  body?: string | null;
  labels?: string[];
  state?: 'open' | 'closed';
  isPullRequest?: boolean;
  draft?: boolean;
  /** Used when the repository's git content has no branch `headRef` (the default: nothing seeded). */
  headSha?: string;
  headRef?: string;
  baseRef?: string;
  /** Author login; default `octocat`. */
  user?: string;
  /** Who added the seeded labels (their `labeled` events); default the author. */
  labeledBy?: string;
}

/** A person labelling an issue in the web UI: the label is added and a `labeled` event recorded. */
export interface LabelIssueInput {
  repo: string;
  number: number;
  label: string;
  /** Login of the person; default `octocat`. */
  actor?: string;
  /** ISO 8601; default now. */
  at?: string;
}

export interface SeedLabel {
  name: string;
  color?: string;
  description?: string | null;
}

export interface SeedDeliveryInput {
  id: number;
  guid?: string;
  /** `OK` for a 2xx answer; GitHub uses free text (e.g. `Invalid HTTP Response: 500`) otherwise. */
  status?: string;
  status_code?: number;
  event: string;
  action?: string | null;
  delivered_at?: string;
  redelivery?: boolean;
  duration?: number;
  installation_id?: number | null;
  repository_id?: number | null;
  payload?: Record<string, unknown> | null;
}

export interface SeedManifestCodeInput {
  code: string;
  name?: string;
  slug?: string;
  webhookSecret?: string | null;
  owner?: string;
}

/** A person who can sign in through the OAuth web flow (and whom `GET /user` describes). */
export interface SeedUserInput {
  login: string;
  name?: string | null;
  email?: string | null;
  /** Listed on the authorize page and accepted as its `login`; default true. */
  signIn?: boolean;
}

export interface SeededUserView {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  signIn: boolean;
}

export function repoByName(state: FakeState, fullName: string): RepoState {
  const [owner, name] = fullName.split('/');
  const repo = findRepo(state, owner ?? '', name ?? '');
  if (repo === undefined) {
    throw new ControlError(`unknown repository ${fullName}; seed an installation with it first`);
  }
  return repo;
}

export function seedInstallation(state: FakeState, defaultAppId: number, input: SeedInstallationInput, now: number): void {
  const account = typeof input.account === 'string' ? { login: input.account, type: 'Organization' as const } : input.account;
  const owner = ensureUser(state, account.login, account.type ?? 'Organization');
  for (const r of input.repositories) {
    const [ownerLogin, name] = r.full_name.split('/');
    if (ownerLogin === undefined || name === undefined) {
      throw new ControlError(`full_name must be owner/name, got ${r.full_name}`);
    }
    const existing = state.repos.get(r.id);
    state.repos.set(r.id, {
      id: r.id,
      owner: ensureUser(state, ownerLogin, ownerLogin.toLowerCase() === owner.login.toLowerCase() ? owner.type : 'Organization'),
      name,
      fullName: r.full_name,
      defaultBranch: existing?.defaultBranch ?? 'main',
      installationId: input.id,
      labels: existing?.labels ?? new Map(),
      issues: existing?.issues ?? new Map(),
      permissions: existing?.permissions ?? new Map(),
      createdAt: existing?.createdAt ?? now,
    });
  }
  state.installations.set(input.id, {
    id: input.id,
    appId: input.appId ?? defaultAppId,
    account: owner,
    repositorySelection: input.repositorySelection ?? 'selected',
    repositoryIds: input.repositories.map((r) => r.id),
    permissions: input.permissions ?? { ...DEFAULT_INSTALLATION_PERMISSIONS },
    events: input.events ?? ['issues', 'issue_comment', 'label', 'pull_request'],
    createdAt: now,
  });
}

export function setPermission(state: FakeState, input: { repo: string; user: string; permission: RepoPermission; type?: UserType }): void {
  const repo = repoByName(state, input.repo);
  const user = ensureUser(state, input.user, input.type);
  repo.permissions.set(user.login.toLowerCase(), input.permission);
}

export function seedLabels(state: FakeState, input: { repo: string; labels: (SeedLabel | string)[] }): void {
  const repo = repoByName(state, input.repo);
  for (const raw of input.labels) {
    const label = typeof raw === 'string' ? { name: raw } : raw;
    addRepoLabel(state, repo, label);
  }
}

export function seedIssue(state: FakeState, input: SeedIssueInput, now: number): void {
  const repo = repoByName(state, input.repo);
  const labels = input.labels ?? [];
  for (const name of labels) {
    if (!repo.labels.has(name.toLowerCase())) {
      addRepoLabel(state, repo, { name });
    }
  }
  const closed = input.state === 'closed';
  const labeledBy = ensureUser(state, input.labeledBy ?? input.user ?? 'octocat');
  const names = labels.map((n) => repo.labels.get(n.toLowerCase())?.name ?? n);
  repo.issues.set(input.number, {
    id: state.nextId(),
    number: input.number,
    title: input.title ?? `Issue ${input.number}`,
    body: input.body ?? null,
    state: closed ? 'closed' : 'open',
    isPullRequest: input.isPullRequest ?? false,
    draft: input.draft ?? false,
    headSha: input.headSha ?? 'a'.repeat(40),
    baseSha: '0'.repeat(40),
    headRef: input.headRef ?? `feature-${input.number}`,
    baseRef: input.baseRef ?? 'main',
    labels: names,
    user: ensureUser(state, input.user ?? 'octocat'),
    comments: [],
    reactions: [],
    events: names.map((name) => ({ id: state.nextId(), event: 'labeled' as const, labelName: name, labelColor: repo.labels.get(name.toLowerCase())?.color ?? 'ededed', actor: labeledBy, viaAppId: null, createdAt: now })),
    createdAt: now,
    updatedAt: now,
    closedAt: closed ? now : null,
  });
}

export function seedDelivery(state: FakeState, input: SeedDeliveryInput, now: number): void {
  const delivery: DeliveryState = {
    id: input.id,
    guid: input.guid ?? crypto.randomUUID(),
    status: input.status ?? 'OK',
    statusCode: input.status_code ?? (input.status === undefined || input.status === 'OK' ? 200 : 500),
    event: input.event,
    action: input.action ?? null,
    deliveredAt: input.delivered_at === undefined ? now : Date.parse(input.delivered_at),
    redelivery: input.redelivery ?? false,
    duration: input.duration ?? 0.1,
    installationId: input.installation_id ?? null,
    repositoryId: input.repository_id ?? null,
    payload: input.payload ?? null,
  };
  state.deliveries = state.deliveries.filter((d) => d.id !== input.id).concat(delivery);
}

export function seedManifestCode(state: FakeState, input: SeedManifestCodeInput): void {
  const slug = input.slug ?? 'stageline-created';
  state.manifestCodes.set(input.code, {
    code: input.code,
    slug,
    name: input.name ?? slug,
    webhookSecret: input.webhookSecret === undefined ? 'fake-webhook-secret' : input.webhookSecret,
    ownerLogin: input.owner ?? 'stageline-org',
  });
}

export function labelIssue(state: FakeState, input: LabelIssueInput, now: number): void {
  const repo = repoByName(state, input.repo);
  const issue = repo.issues.get(input.number);
  if (issue === undefined) {
    throw new Error(`unknown issue ${input.repo}#${input.number}`);
  }
  const label = repo.labels.get(input.label.toLowerCase()) ?? addRepoLabel(state, repo, { name: input.label });
  const at = input.at === undefined ? now : Date.parse(input.at);
  if (!issue.labels.some((n) => n.toLowerCase() === label.name.toLowerCase())) {
    issue.labels.push(label.name);
  }
  issue.events.push({ id: state.nextId(), event: 'labeled', labelName: label.name, labelColor: label.color, actor: ensureUser(state, input.actor ?? 'octocat'), viaAppId: null, createdAt: at });
  issue.updatedAt = Math.max(issue.updatedAt, at);
}

/** Creates or updates a person; fields left out keep their seeded value (or the default). */
export function seedUser(state: FakeState, input: SeedUserInput, now: number): SeededUserView {
  if (typeof input.login !== 'string' || !/^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/.test(input.login)) {
    throw new ControlError(`login must be a GitHub user name (letters, digits, hyphens; underscores for managed users), got ${JSON.stringify(input.login)}`);
  }
  if (input.email !== undefined && input.email !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) {
    throw new ControlError(`email must be an e-mail address, got ${JSON.stringify(input.email)}`);
  }
  const user = ensureUser(state, input.login, 'User');
  const before = user.profile;
  user.profile = {
    name: input.name === undefined ? (before?.name ?? null) : input.name,
    email: input.email === undefined ? (before?.email ?? null) : input.email,
    signIn: input.signIn ?? true,
    createdAt: before?.createdAt ?? now,
  };
  return { id: user.id, login: user.login, name: user.profile.name, email: user.profile.email, signIn: user.profile.signIn };
}
