import { parseAllowedEnvironments, type StaffAccess } from '@stageline/policy';
import { createFactory } from 'hono/factory';
import type { EdgeRoot } from './composition/root.ts';
import type { Db } from './db/client.ts';
import type { Logger } from './lib/log.ts';

/** An authenticated cluster agent (composition/middleware.ts `withAgent`). */
export interface AgentIdentity {
  clusterId: string;
  instanceId: string;
}

/** A signed-in staff member (composition/middleware.ts `withStaff`) and their roles, loaded for this request. */
export interface StaffIdentity extends StaffAccess {
  userId: string;
  sessionId: string;
  name: string | null;
  avatarUrl: string | null;
  csrf: string;
}

/** Per-request values, set by the middleware of composition/middleware.ts. */
export interface Vars {
  log: Logger;
  requestId: string;
  root: EdgeRoot;
  /** Only on routes mounted behind `withDb`. */
  db: Db;
  /** Only on routes mounted behind `withAgent`. */
  agent: AgentIdentity;
  /** Only on routes mounted behind `withStaff`. */
  staff: StaffIdentity;
}

export type AppEnv = { Bindings: Env; Variables: Vars };

export const factory = createFactory<AppEnv>();

export interface Settings {
  runLeaseTtlSeconds: number;
  heartbeatIntervalMs: number;
  /** An agent instance silent this long loses its leases (`STAGELINE_CLUSTER_AGENT_INSTANCE_TTL`). */
  instanceTtlSeconds: number;
  slotsPerProject: number;
  runTokenTtlSeconds: number;
  runTokenKey: string;
  /** Public console origin for links in GitHub comments; null when unset. */
  consoleUrl: string | null;
  /** `<slug>[bot]` of the GitHub App; null when the slug is not configured. */
  githubBotLogin: string | null;
  defaultModel: string;
  defaultReasoningEffort: string;
  /** An approval request not decided in this time expires (`STAGELINE_APPROVAL_TTL_SECONDS`, default 24 h). */
  approvalTtlSeconds: number;
  /** Seals stored secrets (lib/crypto.ts). */
  dataKey: string;
  /** Derives `deterministic` secret_sync values (docs/domain.md §6.5). */
  secretSyncKey: string;
  /** Environments that may have project databases (docs/domain.md §7.7). */
  databaseEnvironments: string[];
  /** Signs staff sessions and OAuth state (auth/staff-session.ts). */
  sessionKey: string;
  /** Lower-case logins that are platform admins by configuration (`STAGELINE_PLATFORM_ADMINS`). */
  platformAdmins: string[];
}

const text = (value: string | undefined): string => (value ?? '').trim();

/** Settings from `[vars]` and secrets, with the documented defaults (docs/domain.md Appendix B). */
export function readSettings(env: Env): Settings {
  const num = (value: string | undefined, fallback: number): number => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    runLeaseTtlSeconds: num(env.STAGELINE_RUN_LEASE_TTL_SECONDS, 2700),
    heartbeatIntervalMs: num(env.STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL_MS, 15000),
    instanceTtlSeconds: num(env.STAGELINE_CLUSTER_AGENT_INSTANCE_TTL_SECONDS, 60),
    slotsPerProject: num(env.STAGELINE_SLOTS_PER_PROJECT, 2),
    runTokenTtlSeconds: num(env.STAGELINE_MCP_TOKEN_TTL_SECONDS, 900),
    runTokenKey: env.STAGELINE_MCP_TOKEN_SIGNING_KEY,
    // `STAGELINE_CONSOLE_URL` (e.g. https://stageline.example.com), without a trailing slash.
    consoleUrl: text(env.STAGELINE_CONSOLE_URL) === '' ? null : text(env.STAGELINE_CONSOLE_URL).replace(/\/+$/, ''),
    githubBotLogin: text(env.STAGELINE_GITHUB_APP_SLUG) === '' ? null : `${text(env.STAGELINE_GITHUB_APP_SLUG)}[bot]`,
    defaultModel: text(env.STAGELINE_AGENT_DEFAULT_MODEL) || 'gpt-5.4',
    defaultReasoningEffort: text(env.STAGELINE_AGENT_DEFAULT_REASONING_EFFORT) || 'high',
    approvalTtlSeconds: num(env.STAGELINE_APPROVAL_TTL_SECONDS, 86_400),
    dataKey: env.STAGELINE_DATA_ENCRYPTION_KEY,
    secretSyncKey: env.STAGELINE_SECRET_SYNC_KEY,
    databaseEnvironments: parseAllowedEnvironments(env.STAGELINE_PROJECT_DB_LIFECYCLE_ALLOWED_ENVS),
    sessionKey: env.STAGELINE_SESSION_SIGNING_KEY,
    platformAdmins: text(env.STAGELINE_PLATFORM_ADMINS)
      .split(',')
      .map((login) => login.trim().toLowerCase())
      .filter((login) => login !== ''),
  };
}

export interface GitHubAppSettings {
  appId: string;
  /** PKCS#1 (as GitHub hands it out) or PKCS#8 PEM. */
  privateKeyPem: string;
  apiUrl: string;
}

/** Both the App id and its private key are set (without them, senders cannot be checked). */
export function isGitHubAppConfigured(env: Pick<Env, 'GITHUB_APP_ID' | 'GITHUB_APP_PRIVATE_KEY'>): boolean {
  return text(env.GITHUB_APP_ID) !== '' && text(env.GITHUB_APP_PRIVATE_KEY) !== '';
}

/** `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY` (secret), `GITHUB_API_URL` (default api.github.com). */
export function readGitHubAppSettings(env: Pick<Env, 'GITHUB_APP_ID' | 'GITHUB_APP_PRIVATE_KEY' | 'GITHUB_API_URL'>): GitHubAppSettings {
  const url = env.GITHUB_API_URL;
  return {
    appId: env.GITHUB_APP_ID,
    // Empty until stored after /setup; the JWT signer then says the key is missing (github/app-jwt.ts).
    privateKeyPem: env.GITHUB_APP_PRIVATE_KEY ?? '',
    apiUrl: url === undefined || url === '' ? 'https://api.github.com' : url,
  };
}

declare global {
  interface Env {
    /**
     * Optional secret: while set, `/setup` (GitHub App creation from a
     * manifest) answers to whoever presents it; unset, `/setup` is a 404.
     * Not in `secrets.required`, so a deploy never demands it; delete it
     * after the App exists (`wrangler secret delete STAGELINE_SETUP_TOKEN`).
     */
    STAGELINE_SETUP_TOKEN?: string;
    /** Optional secrets: with both set, the Telegram channel is on (docs/deploy.md, Telegram). */
    TELEGRAM_BOT_TOKEN?: string;
    STAGELINE_TELEGRAM_WEBHOOK_SECRET?: string;
    /** Optional secret: the GitHub App's client secret; without it staff sign-in answers 503 (auth/github-oauth.ts). */
    GITHUB_APP_CLIENT_SECRET?: string;
    /**
     * The App's webhook secret and key: stored after `/setup` created the App,
     * so the first deploy runs without them (docs/deploy.md, "From zero").
     * Without the secret webhooks answer 503; without the key the App is not
     * configured (`isGitHubAppConfigured`).
     */
    GITHUB_WEBHOOK_SECRET?: string;
    GITHUB_APP_PRIVATE_KEY?: string;
  }
}
