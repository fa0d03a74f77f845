/**
 * The JSON-valued settings of the cluster-agent (the Helm chart renders them
 * from values): job profiles per agent role, the run namespace's LimitRange
 * and egress policy, and namespace TTLs per role. Each is a zod schema over
 * the parsed JSON, so a typo fails at start-up with the variable's name.
 */
import { z } from 'zod';

/** A Kubernetes resource quantity (`100m`, `4Gi`, `2`). */
const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, 'expected a resource quantity like 100m or 4Gi');
const quantities = z.record(z.string().min(1), quantity);

export const resourcesSchema = z.strictObject({ requests: quantities.optional(), limits: quantities.optional() });
export type JobResources = z.infer<typeof resourcesSchema>;

export const jobProfileSchema = z.strictObject({
  image: z.string().min(1).optional(),
  resources: resourcesSchema.optional(),
  /** Pin a role's pods to a node pool; a selector no node matches leaves the pod Unschedulable. */
  nodeSelector: z.record(z.string().min(1), z.string()).optional(),
});
export type JobProfile = z.infer<typeof jobProfileSchema>;

/** `STAGELINE_JOB_PROFILES`: `{"<agent_key>": {"image": …, "resources": {…}}}`. */
export const jobProfilesSchema = z.record(z.string().min(1), jobProfileSchema);

/**
 * Plain settings for the runner in every run pod (`STAGELINE_JOB_ENV`), e.g.
 * `{"STAGELINE_RUNNER_ENGINE":"codex","STAGELINE_MODEL_BASE_URL":"https://llm-proxy.internal/v1"}`.
 * Values land in the pod spec in the clear: credentials belong in Secrets.
 * A name the agent sets itself (the run's identity, the token file) cannot be overridden.
 */
export const jobEnvSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string().max(4096));

/** Used when a role has no profile (the same figures as the LimitRange defaults). */
export const DEFAULT_JOB_RESOURCES: JobResources = Object.freeze({
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '2', memory: '4Gi' },
});

export const limitRangeSchema = z.strictObject({ defaultRequest: quantities, default: quantities });
export type LimitRangeDefaults = z.infer<typeof limitRangeSchema>;

export const DEFAULT_LIMIT_RANGE = '{"defaultRequest":{"cpu":"100m","memory":"256Mi"},"default":{"cpu":"2","memory":"4Gi"}}';

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** [network, prefix length] of an IPv4 CIDR; undefined for anything else (IPv6 included). */
function parseIpv4Cidr(cidr: string): [number, number] | undefined {
  const match = IPV4_CIDR.exec(cidr);
  if (!match) {
    return undefined;
  }
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) {
    return undefined;
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return [address, bits];
}

const cidr = z.string().refine((value) => parseIpv4Cidr(value) !== undefined || /^[0-9a-fA-F:]+\/\d{1,3}$/.test(value), 'expected a CIDR like 10.0.0.0/8');

/**
 * Whether `inner` lies within `outer` (IPv4; IPv6 only when textually equal).
 * The API server rejects an ipBlock whose `except` is outside its `cidr`.
 * @example cidrContains('0.0.0.0/0', '10.0.0.0/8') === true
 */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseIpv4Cidr(outer);
  const b = parseIpv4Cidr(inner);
  if (!a || !b) {
    return outer === inner;
  }
  const size = 2 ** (32 - a[1]);
  return b[1] >= a[1] && Math.floor(a[0] / size) === Math.floor(b[0] / size);
}

export const egressSchema = z
  .strictObject({
    cidrs: z.array(cidr).min(1),
    except: z.array(cidr).default([]),
    ports: z.array(z.number().int().min(1).max(65535)).min(1),
  })
  .refine((e) => e.except.every((x) => e.cidrs.some((c) => cidrContains(c, x) && c !== x)), 'every "except" entry must lie strictly inside one of "cidrs"');
export type EgressRule = z.infer<typeof egressSchema>;

export const DEFAULT_EGRESS = '{"cidrs":["0.0.0.0/0"],"except":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16","169.254.0.0/16"],"ports":[443]}';

/** A zod string transform: JSON text → `schema`, with one readable issue when it fails. */
export function jsonEnv<T>(schema: z.ZodType<T>, fallback: string, example: string) {
  return z
    .string()
    .default(fallback)
    .transform((value, ctx): T => {
      let raw: unknown;
      try {
        raw = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected JSON, e.g. ${example}` });
        return z.NEVER;
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.join('.') ?? '';
        ctx.addIssue({ code: 'custom', message: `${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'} (e.g. ${example})` });
        return z.NEVER;
      }
      return parsed.data;
    });
}
