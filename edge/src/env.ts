import { createFactory } from 'hono/factory';
import type { Logger } from './lib/log.ts';

export interface Vars {
  log: Logger;
  requestId: string;
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
}

/** `STAGELINE_CONSOLE_URL` (e.g. https://stageline.example.com), without a trailing slash. */
function consoleUrl(env: Env): string | null {
  const raw = (env as { STAGELINE_CONSOLE_URL?: string }).STAGELINE_CONSOLE_URL ?? '';
  return raw.trim() === '' ? null : raw.trim().replace(/\/+$/, '');
}

/** Settings from `[vars]` and secrets, with the documented defaults (Appendix B). */
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
    runTokenTtlSeconds: num(env.STAGELINE_MCP_TOKEN_TTL_SECONDS, 86400),
    runTokenKey: env.STAGELINE_MCP_TOKEN_SIGNING_KEY,
    consoleUrl: consoleUrl(env),
  };
}

export interface GitHubAppSettings {
  appId: string;
  /** PKCS#1 (as GitHub hands it out) or PKCS#8 PEM. */
  privateKeyPem: string;
  apiUrl: string;
}

/** `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY` (secret), `GITHUB_API_URL` (default api.github.com). */
export function readGitHubAppSettings(env: Env): GitHubAppSettings {
  const url = env.GITHUB_API_URL;
  return {
    appId: env.GITHUB_APP_ID,
    privateKeyPem: env.GITHUB_APP_PRIVATE_KEY,
    apiUrl: url === undefined || url === '' ? 'https://api.github.com' : url,
  };
}
