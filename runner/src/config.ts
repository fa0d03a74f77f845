/**
 * The runner's settings from the Job's environment (cluster-agent/src/kube/manifests.ts
 * sets them), parsed once into a frozen object. Credentials are read from
 * files or kept out of this object: the run token is re-read from its file on
 * every call (the Secret volume follows renewals), the model key is handed to
 * the engine only.
 */
import path from 'node:path';
import { z } from 'zod';

const schema = z.object({
  STAGELINE_EDGE_URL: z.url(),
  STAGELINE_RUN_ID: z.string().min(1),
  STAGELINE_MCP_TOKEN_FILE: z.string().min(1).default('/var/run/stageline/run-token'),
  STAGELINE_RUNNER_ENGINE: z.enum(['codex', 'claude']).default('codex'),
  STAGELINE_WORKSPACE: z.string().min(1).default('/workspace'),
  /** A provider-compatible endpoint instead of the vendor's (a proxy, or the scripted model of tests and the demo). */
  STAGELINE_MODEL_BASE_URL: z.url().optional(),
  STAGELINE_AGENT_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(3600),
  STAGELINE_GIT_AUTHOR_NAME: z.string().min(1).default('stageline[bot]'),
  STAGELINE_GIT_AUTHOR_EMAIL: z.string().min(1).default('stageline[bot]@users.noreply.github.com'),
  STAGELINE_EVENT_FLUSH_MS: z.coerce.number().int().positive().default(1000),
  /**
   * On the simulated cluster (kubesim) a pod is a local process: its volumes
   * live under this directory, and every absolute pod path is resolved there.
   */
  KUBESIM_FS_ROOT: z.string().optional(),
});

export interface RunnerConfig {
  edgeUrl: string;
  runId: string;
  tokenFile: string;
  engine: 'codex' | 'claude';
  workspace: string;
  modelBaseUrl: string | undefined;
  agentTimeoutMs: number;
  author: { name: string; email: string };
  eventFlushMs: number;
  /** Scratch space for the engine's home, git's credential socket and archives (the pod's /tmp). */
  scratch: string;
}

/** A setting the Job's environment is missing or has wrong; the message names the variables, never their values. */
export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid runner configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const podPath = (p: string) => (e.KUBESIM_FS_ROOT === undefined ? p : path.join(e.KUBESIM_FS_ROOT, p));
  return Object.freeze({
    edgeUrl: e.STAGELINE_EDGE_URL.replace(/\/+$/, ''),
    runId: e.STAGELINE_RUN_ID,
    tokenFile: podPath(e.STAGELINE_MCP_TOKEN_FILE),
    engine: e.STAGELINE_RUNNER_ENGINE,
    workspace: podPath(e.STAGELINE_WORKSPACE),
    modelBaseUrl: e.STAGELINE_MODEL_BASE_URL,
    agentTimeoutMs: e.STAGELINE_AGENT_TIMEOUT_SECONDS * 1000,
    author: { name: e.STAGELINE_GIT_AUTHOR_NAME, email: e.STAGELINE_GIT_AUTHOR_EMAIL },
    eventFlushMs: e.STAGELINE_EVENT_FLUSH_MS,
    scratch: podPath('/tmp'),
  });
}
