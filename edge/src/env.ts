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
  };
}
