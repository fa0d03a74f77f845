import { createFactory } from 'hono/factory';
import type { Logger } from './lib/log.ts';

export interface Vars {
  log: Logger;
  requestId: string;
}

export type AppEnv = { Bindings: Env; Variables: Vars };

export const factory = createFactory<AppEnv>();

/** Numeric settings from `[vars]`, with the documented defaults (Appendix B). */
export function readSettings(env: Env): { runLeaseTtlSeconds: number; heartbeatIntervalMs: number } {
  const num = (value: string | undefined, fallback: number): number => {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    runLeaseTtlSeconds: num(env.STAGELINE_RUN_LEASE_TTL_SECONDS, 2700),
    heartbeatIntervalMs: num(env.STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL_MS, 15000),
  };
}
