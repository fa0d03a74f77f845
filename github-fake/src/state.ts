/**
 * The fake's world: apps, installations, repositories with their labels,
 * issues, pull requests, comments and reactions, minted tokens and webhook
 * deliveries, and the OAuth web flow's codes and user access tokens. Plain
 * data; the handlers and the control surface change it.
 * Repository content lives in bare git repositories instead (git-repos.ts).
 */
import type { KeyObject } from 'node:crypto';

export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export type UserType = 'User' | 'Bot' | 'Organization';
export type AccessLevel = 'read' | 'write' | 'admin';

export interface UserState {
  id: number;
  login: string;
  type: UserType;
  /** Set by `seedUser` only: the private profile `GET /user` shows and whether the person can sign in through OAuth. */
  profile: UserProfile | null;
}

export interface UserProfile {
  name: string | null;
  email: string | null;
  /** Listed on the authorize page and accepted as its `login`. */
  signIn: boolean;
  createdAt: number;
}

export interface AppState {
  id: number;
  slug: string;
  name: string;
  publicKey: KeyObject;
  owner: UserState;
  /** The bot account its installation tokens act as: `<slug>[bot]`. */
  bot: UserState;
  clientId: string;
  clientSecret: string;
  webhookSecret: string | null;
  createdAt: number;
}

export interface LabelState {
  id: number;
  name: string;
  color: string;
  description: string | null;
  isDefault: boolean;
}

export interface CommentState {
  id: number;
  body: string;
  user: UserState;
  createdAt: number;
  updatedAt: number;
}

export interface ReactionState {
  id: number;
  content: string;
  user: UserState;
  createdAt: number;
}

/** One entry of an issue's timeline of label changes (`GET …/issues/{n}/events`). */
export interface IssueEventState {
  id: number;
  event: 'labeled' | 'unlabeled';
  labelName: string;
  labelColor: string;
  actor: UserState;
  /** The App whose installation token made the change; null for a person. */
  viaAppId: number | null;
  createdAt: number;
}

export interface IssueState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  isPullRequest: boolean;
  draft: boolean;
  /** Last known branch heads; rendering refreshes them from the git repository when it has the branch. */
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  /** Names as stored in the repository's catalog; lookups are case-insensitive as on GitHub. */
  labels: string[];
  user: UserState;
  comments: CommentState[];
  reactions: ReactionState[];
  /** Label changes, oldest first. */
  events: IssueEventState[];
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

export interface RepoState {
  id: number;
  owner: UserState;
  name: string;
  fullName: string;
  /** `main` unless seeded content says otherwise. */
  defaultBranch: string;
  installationId: number;
  labels: Map<string, LabelState>;
  issues: Map<number, IssueState>;
  /** Keyed by lower-case login. */
  permissions: Map<string, RepoPermission>;
  createdAt: number;
}

export interface InstallationState {
  id: number;
  appId: number;
  account: UserState;
  repositorySelection: 'all' | 'selected';
  repositoryIds: number[];
  permissions: Record<string, AccessLevel>;
  events: string[];
  createdAt: number;
}

export interface TokenState {
  token: string;
  installationId: number;
  permissions: Record<string, AccessLevel>;
  /** Repositories the token may touch; every repository of the installation when narrowed to none. */
  repositoryIds: number[];
  repositorySelection: 'all' | 'selected';
  createdAt: number;
  expiresAt: number;
  /** Set by `DELETE /installation/token`; a revoked token is refused everywhere, REST and git. */
  revokedAt: number | null;
  /** What the minting request asked for, for assertions. */
  requested: { repositories?: string[]; repository_ids?: number[]; permissions?: Record<string, string> };
}

export interface DeliveryState {
  id: number;
  guid: string;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
  deliveredAt: number;
  redelivery: boolean;
  duration: number;
  installationId: number | null;
  repositoryId: number | null;
  payload: Record<string, unknown> | null;
}

export interface ManifestCodeState {
  code: string;
  name: string;
  slug: string;
  webhookSecret: string | null;
  ownerLogin: string;
}

/** A one-time code from `GET /login/oauth/authorize`, redeemed at `POST /login/oauth/access_token`. */
export interface OAuthCodeState {
  code: string;
  appId: number;
  redirectUri: string;
  user: UserState;
  expiresAt: number;
}

/** A user access token (`ghu_`) with the refresh token (`ghr_`) issued beside it. */
export interface UserTokenState {
  token: string;
  refreshToken: string;
  appId: number;
  user: UserState;
  createdAt: number;
  expiresAt: number;
  refreshExpiresAt: number;
  /** Set when its refresh token is used: GitHub retires the old pair together. */
  revokedAt: number | null;
}

export interface FakeState {
  apps: Map<number, AppState>;
  installations: Map<number, InstallationState>;
  repos: Map<number, RepoState>;
  /** Keyed by lower-case login. */
  users: Map<string, UserState>;
  tokens: Map<string, TokenState>;
  deliveries: DeliveryState[];
  redeliveries: { deliveryId: number; at: number }[];
  manifestCodes: Map<string, ManifestCodeState>;
  oauthCodes: Map<string, OAuthCodeState>;
  /** Keyed by the access token. */
  userTokens: Map<string, UserTokenState>;
  nextId: () => number;
}

export function createState(): FakeState {
  let counter = 10_000;
  return {
    apps: new Map(),
    installations: new Map(),
    repos: new Map(),
    users: new Map(),
    tokens: new Map(),
    deliveries: [],
    redeliveries: [],
    manifestCodes: new Map(),
    oauthCodes: new Map(),
    userTokens: new Map(),
    nextId: () => {
      counter += 1;
      return counter;
    },
  };
}

export function ensureUser(state: FakeState, login: string, type?: UserType): UserState {
  const key = login.toLowerCase();
  const existing = state.users.get(key);
  if (existing !== undefined) {
    if (type !== undefined) {
      existing.type = type;
    }
    return existing;
  }
  const user: UserState = { id: state.nextId(), login, type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'), profile: null };
  state.users.set(key, user);
  return user;
}

export function findRepo(state: FakeState, owner: string, name: string): RepoState | undefined {
  const fullName = `${owner}/${name}`.toLowerCase();
  for (const repo of state.repos.values()) {
    if (repo.fullName.toLowerCase() === fullName) {
      return repo;
    }
  }
  return undefined;
}

export function findLabel(repo: RepoState, name: string): LabelState | undefined {
  return repo.labels.get(name.toLowerCase());
}

export function findIssue(repo: RepoState, number: number): IssueState | undefined {
  return repo.issues.get(number);
}
