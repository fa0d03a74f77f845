/**
 * Configuration of the cluster-agent (docs/domain.md Appendix B), parsed once from
 * an environment record with zod. Only main.ts passes `process.env` in; tests
 * pass plain objects. A bad value fails fast with one line per problem.
 */
import { DEFAULT_NAMESPACE_PREFIX, err, isDns1123Label, isLabelValue, ok, parseDurationMs, type NamespaceTtlConfig, type Result } from '@stageline/policy';
import { z } from 'zod';
import { adminUrlsFrom } from './ops/database-admin.ts';
import {
  DEFAULT_EGRESS,
  DEFAULT_LIMIT_RANGE,
  egressSchema,
  jobEnvSchema,
  jobProfilesSchema,
  jsonEnv,
  limitRangeSchema,
  type EgressRule,
  type JobProfile,
  type LimitRangeDefaults,
} from './config-json.ts';
import { LOG_LEVELS, type LogLevel } from './lib/log.ts';

export interface Config {
  /** http(s) base of the edge, without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  readonly edgeUrl: string;
  /** `ws(s)://<edge>/agent/connect`. */
  readonly edgeSocketUrl: string;
  /** `<edge>/agent/v1/frames`: the HTTP fallback while the socket is down. */
  readonly edgeFramesUrl: string;
  readonly clusterToken: string;
  /** Lease owner name of this replica (sent as `X-Stageline-Instance-Id` and in hello). */
  readonly instanceId: string;
  readonly runNamespacePrefix: string;
  readonly jobImage: string;
  readonly jobCommand: readonly string[];
  readonly jobActiveDeadlineSeconds: number;
  readonly jobTtlSeconds: number;
  readonly reconcileIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  /** Claim size and the number of runs one agent works on at once. */
  readonly claimLimit: number;
  /** Concurrent runs of this agent (never below claimLimit). */
  readonly maxRuns: number;
  readonly logLevel: LogLevel;
  /** `websocket` (pushed runs, HTTP only while the socket is down) or `poll` (HTTP only). */
  readonly edgeTransport: 'websocket' | 'poll';
  /** This installation's name: the `stageline.dev/cluster-agent` label on everything it creates (§5.2). */
  readonly installation: string;
  /** Namespace lease TTL, default and per agent role (§5.7). */
  readonly namespaceTtl: NamespaceTtlConfig;
  /** Image, resources and node selector per agent role; roles without one use `jobImage`. */
  readonly jobProfiles: Readonly<Record<string, JobProfile>>;
  /** The model API key for run pods; goes into the run Secret only, never logged. */
  readonly modelApiKey: string | undefined;
  /** PostgreSQL admin connection per environment for database_lifecycle (`STAGELINE_DB_ADMIN_URL_<ENV>`); never logged. */
  readonly databaseAdminUrls: Readonly<Record<string, string>>;
  /** Extra plain environment for the runner in every run pod (config-json.ts `jobEnvSchema`). */
  readonly jobEnv: Readonly<Record<string, string>>;
  readonly runQuotaPods: number;
  readonly runLimitRange: LimitRangeDefaults;
  readonly runEgress: EgressRule;
  /** How long a pod may wait with a failing reason (ImagePullBackOff, Unschedulable, …) before the run fails. */
  readonly podFailureGraceMs: number;
  /** Run the namespace TTL sweep every reconcile tick. */
  readonly namespaceCleanup: boolean;
  readonly namespaceSweepLimit: number;
  /** /metrics, /healthz, /readyz; 0 picks a free port. */
  readonly httpPort: number;
}

export interface ConfigError {
  kind: 'invalid_config';
  /** One `NAME: problem` entry per bad variable. */
  issues: string[];
}

export type EnvRecord = Readonly<Record<string, string | undefined>>;

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected milliseconds or a duration like 5s, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return ms;
    });

const positiveInt = (fallback: number) => z.coerce.number<string>().int().positive().default(fallback);

const seconds = (value: string): number | undefined => {
  const ms = parseDurationMs(value);
  return ms === undefined || ms <= 0 ? undefined : Math.round(ms / 1000);
};

const ttlSeconds = z
  .string()
  .default('24h')
  .transform((value, ctx) => {
    const parsed = seconds(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 24h, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return parsed;
  });

const ttlByRole = jsonEnv(
  z.record(z.string().min(1), z.string().refine((value) => seconds(value) !== undefined, 'expected a duration like 12h')),
  '{}',
  '{"dev":"48h"}',
).transform((byRole) => Object.fromEntries(Object.entries(byRole).map(([role, text]) => [role, seconds(text) ?? 0])));

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const commandList = z
  .string()
  .default('["stageline-runner"]')
  .transform((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const list = z.array(z.string().min(1)).min(1).safeParse(parsed);
    if (!list.success) {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of non-empty strings, e.g. ["stageline-runner"]' });
      return z.NEVER;
    }
    return list.data;
  });

const edgeUrl = z
  .string({ error: 'required (http(s) base URL of the edge)' })
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

const envSchema = z.object({
  STAGELINE_EDGE_URL: edgeUrl,
  STAGELINE_CLUSTER_TOKEN: z.string({ error: 'required' }).min(1, 'required'),
  STAGELINE_INSTANCE_ID: z.string().min(1).max(253).optional(),
  STAGELINE_RUN_NAMESPACE_PREFIX: z
    .string()
    .default(DEFAULT_NAMESPACE_PREFIX)
    .refine((value) => value.length <= 30 && isDns1123Label(value), 'expected a DNS label of at most 30 characters'),
  STAGELINE_JOB_IMAGE: z.string().min(1).default('ghcr.io/stageline/runner:latest'),
  STAGELINE_JOB_COMMAND: commandList,
  STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS: positiveInt(18000),
  STAGELINE_JOB_TTL_SECONDS: z.coerce.number<string>().int().nonnegative().default(600),
  STAGELINE_RECONCILE_INTERVAL: duration('5s'),
  STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL: duration('15s'),
  STAGELINE_CLAIM_LIMIT: z.coerce.number<string>().int().min(1).max(50).default(10),
  /** Runs one agent supervises at once (watches, log streams); claims stop at this. */
  STAGELINE_MAX_RUNS: z.coerce.number<string>().int().min(1).max(5000).default(200),
  STAGELINE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `poll`: never open the socket (proxies that block WebSockets; the polling benchmark). */
  STAGELINE_EDGE_TRANSPORT: z.enum(['websocket', 'poll']).default('websocket'),
  STAGELINE_INSTALLATION: z
    .string()
    .default('stageline')
    .refine((value) => isLabelValue(value), 'expected a Kubernetes label value (at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends)'),
  STAGELINE_NAMESPACE_TTL: ttlSeconds,
  STAGELINE_NAMESPACE_TTL_BY_ROLE: ttlByRole,
  STAGELINE_JOB_PROFILES: jsonEnv(jobProfilesSchema, '{}', '{"dev":{"image":"ghcr.io/acme/runner:1","resources":{"limits":{"cpu":"2"}}}}'),
  STAGELINE_MODEL_API_KEY: z.string().optional(),
  STAGELINE_JOB_ENV: jsonEnv(jobEnvSchema, '{}', '{"STAGELINE_RUNNER_ENGINE":"codex"}'),
  STAGELINE_RUN_QUOTA_PODS: positiveInt(20),
  STAGELINE_RUN_LIMIT_RANGE: jsonEnv(limitRangeSchema, DEFAULT_LIMIT_RANGE, DEFAULT_LIMIT_RANGE),
  STAGELINE_RUN_EGRESS: jsonEnv(egressSchema, DEFAULT_EGRESS, DEFAULT_EGRESS),
  STAGELINE_POD_FAILURE_GRACE: duration('60s'),
  STAGELINE_RUN_NAMESPACE_CLEANUP: flag(true),
  STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT: positiveInt(200),
  STAGELINE_HTTP_PORT: z.coerce.number<string>().int().min(0).max(65535).default(9090),
});

/** Empty strings count as unset, as in most deployment tooling. */
function withoutEmpty(env: EnvRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('STAGELINE_') && value !== undefined && value !== '') {
      out[key] = value;
    }
  }
  return out;
}

/** Host facts the default instance id is derived from (passed in: no `process` here). */
export interface HostInfo {
  hostname: string;
}

/**
 * @example parseConfig({ STAGELINE_EDGE_URL: 'http://127.0.0.1:8787', STAGELINE_CLUSTER_TOKEN: 't' }, { hostname: 'pod-a' })
 */
export function parseConfig(env: EnvRecord, host: HostInfo): Result<Config, ConfigError> {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
    return err({ kind: 'invalid_config', issues });
  }
  const e = parsed.data;
  const edge = new URL(e.STAGELINE_EDGE_URL);
  const socket = new URL(`${e.STAGELINE_EDGE_URL}/agent/connect`);
  socket.protocol = edge.protocol === 'https:' ? 'wss:' : 'ws:';
  const config: Config = {
    edgeUrl: e.STAGELINE_EDGE_URL,
    edgeSocketUrl: socket.toString(),
    edgeFramesUrl: `${e.STAGELINE_EDGE_URL}/agent/v1/frames`,
    clusterToken: e.STAGELINE_CLUSTER_TOKEN,
    // The edge knows the cluster from the token; the pod name tells replicas apart (§3.6).
    instanceId: e.STAGELINE_INSTANCE_ID ?? (env.HOSTNAME || host.hostname),
    runNamespacePrefix: e.STAGELINE_RUN_NAMESPACE_PREFIX,
    jobImage: e.STAGELINE_JOB_IMAGE,
    jobCommand: Object.freeze([...e.STAGELINE_JOB_COMMAND]),
    jobActiveDeadlineSeconds: e.STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS,
    jobTtlSeconds: e.STAGELINE_JOB_TTL_SECONDS,
    reconcileIntervalMs: e.STAGELINE_RECONCILE_INTERVAL,
    heartbeatIntervalMs: e.STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL,
    claimLimit: e.STAGELINE_CLAIM_LIMIT,
    maxRuns: Math.max(e.STAGELINE_MAX_RUNS, e.STAGELINE_CLAIM_LIMIT),
    logLevel: e.STAGELINE_LOG_LEVEL,
    edgeTransport: e.STAGELINE_EDGE_TRANSPORT,
    installation: e.STAGELINE_INSTALLATION,
    namespaceTtl: Object.freeze({ defaultSeconds: e.STAGELINE_NAMESPACE_TTL, byRole: Object.freeze(e.STAGELINE_NAMESPACE_TTL_BY_ROLE) }),
    jobProfiles: Object.freeze(e.STAGELINE_JOB_PROFILES),
    modelApiKey: e.STAGELINE_MODEL_API_KEY,
    jobEnv: Object.freeze(e.STAGELINE_JOB_ENV),
    databaseAdminUrls: Object.freeze(adminUrlsFrom(env)),
    runQuotaPods: e.STAGELINE_RUN_QUOTA_PODS,
    runLimitRange: e.STAGELINE_RUN_LIMIT_RANGE,
    runEgress: e.STAGELINE_RUN_EGRESS,
    podFailureGraceMs: e.STAGELINE_POD_FAILURE_GRACE,
    namespaceCleanup: e.STAGELINE_RUN_NAMESPACE_CLEANUP,
    namespaceSweepLimit: e.STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT,
    httpPort: e.STAGELINE_HTTP_PORT,
  };
  return ok(Object.freeze(config));
}

/** Multi-line message for stderr. Never includes values (the token is one). */
export function formatConfigError(error: ConfigError): string {
  return `stageline cluster-agent: invalid configuration\n${error.issues.map((issue) => `  ${issue}`).join('\n')}\n`;
}
