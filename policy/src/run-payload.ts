/**
 * The run contract (docs/domain.md §3.4): `agent_runs.run_payload` as one
 * schema. The edge writes it at ingest (edge/src/domain/run-payload.ts), the
 * drizzle column is typed by it, and every reader parses it here instead of
 * keeping its own partial schema. The launch decision the cluster obeys
 * (`ClaimedRun.launch` in protocol/src/frames.ts) is projected from it by
 * `runLaunchOf`, so the agent never recomputes access profile or runtime mode.
 */
import { z } from 'zod';
import type { AgentProfile, ProfileSource } from './agent-profile.ts';
import type { RuntimePlan } from './decide-run.ts';
import type { PromptKind, RuntimeMode, WriteScope } from './label-catalog.ts';
import { err, ok, type Result } from './result.ts';
import type { TriggerSource } from './route-delivery.ts';

// The value lists below are checked against the policy's own unions both ways:
// `satisfies` here (no value the policy lacks) and the writer's typed return
// (no policy value the schema lacks).
export const RUNTIME_MODES = ['full-env', 'code-only'] as const satisfies readonly RuntimeMode[];
export const ACCESS_PROFILES = ['candidate', 'production-readonly', 'repair'] as const satisfies readonly RuntimePlan['accessProfile'][];
export const TARGET_ENVS = ['ai', 'production'] as const satisfies readonly RuntimePlan['targetEnv'][];
export const WRITE_SCOPES = ['markdown_only', 'any', 'self_improve_only', 'no_repo_changes', 'discussion'] as const satisfies readonly WriteScope[];
export const PROMPT_KINDS = ['work', 'revise'] as const satisfies readonly PromptKind[];
const TRIGGER_SOURCES = ['issue_label', 'issue_comment', 'pull_request_review', 'pull_request_label'] as const satisfies readonly TriggerSource[];
const PROFILE_SOURCES = ['issue_label', 'pull_request_label', 'last_run_context', 'agent_default'] as const satisfies readonly ProfileSource[];

export type AccessProfile = (typeof ACCESS_PROFILES)[number];

const ref = z.object({ ref: z.string().nullable(), sha: z.string().nullable() });

const runPayloadFields = {
  source: z.literal('github'),
  delivery_id: z.string().min(1),
  correlation_id: z.string().min(1).max(200),
  event_type: z.string().min(1),
  action: z.string().nullable(),
  received_at: z.iso.datetime(),
  installation_id: z.number().int().nullable(),
  repository: z.object({ id: z.number().int(), full_name: z.string().min(1), name: z.string(), private: z.boolean(), fork: z.boolean() }).nullable(),
  sender: z.object({ id: z.number(), login: z.string() }).nullable(),
  issue: z.object({ id: z.number().nullable(), number: z.number().int().positive(), title: z.string(), html_url: z.string().nullable(), state: z.string() }).nullable(),
  pull_request: z
    .object({
      id: z.number(),
      number: z.number().int().positive(),
      title: z.string(),
      html_url: z.string().nullable(),
      state: z.string(),
      head: ref,
      base: ref,
    })
    .nullable(),
  discussion_mode: z.boolean(),
  trigger: z.object({ source: z.enum(TRIGGER_SOURCES), label: z.string().min(1).max(100), kind: z.string().min(1).max(64) }),
  agent: z.object({ key: z.string().min(1).max(64) }),
  stage: z.object({ write_scope: z.enum(WRITE_SCOPES), prompt_kind: z.enum(PROMPT_KINDS), pr_output: z.boolean() }),
  runtime: z.object({
    mode: z.enum(RUNTIME_MODES),
    source: z.enum(['discussion_mode', 'trigger_default']),
    target_env: z.enum(TARGET_ENVS),
    namespace: z.string().min(1).max(63).nullable(),
    build_ref: z.string().max(255).nullable(),
    access_profile: z.enum(ACCESS_PROFILES),
  }),
  profile: z.object({
    model: z.string().min(1).max(100),
    model_source: z.enum(PROFILE_SOURCES),
    reasoning_effort: z.string().min(1).max(32),
    reasoning_source: z.enum(PROFILE_SOURCES),
  }),
  // Read by the next run of this thread (docs/domain.md §2.4, last run context).
  profile_hints: z.object({ last_run_issue_labels: z.array(z.string()).readonly(), last_run_pull_request_labels: z.array(z.string()).readonly() }),
  actor: z.object({ reason: z.string() }),
};

/** What every reader may rely on; `raw_payload` is left out where a query strips it (the run spec, the claim). */
export const runSpecSchema = z.object(runPayloadFields);
/** The whole stored value: the spec plus the GitHub JSON as received. */
export const runPayloadSchema = z.object({ ...runPayloadFields, raw_payload: z.unknown() });

export type RunSpec = z.infer<typeof runSpecSchema>;
export type RunPayload = RunSpec & { raw_payload: unknown };

/** How the edge's policy resolved the launch; the cluster-agent obeys it (protocol `ClaimedRun.launch`). */
export interface RunLaunch {
  runtimeMode: RuntimeMode;
  targetEnv: RuntimePlan['targetEnv'];
  accessProfile: AccessProfile;
  buildRef: string | null;
  namespace: string | null;
  model: AgentProfile['model'];
  reasoningEffort: AgentProfile['reasoningEffort'];
  writeScope: WriteScope;
  promptKind: PromptKind;
  discussion: boolean;
  pullRequestNumber: number | null;
}

/** A stored payload (with or without `raw_payload`), or why it does not fit the contract. */
export function parseRunSpec(raw: unknown): Result<RunSpec, string> {
  const parsed = runSpecSchema.safeParse(raw);
  if (parsed.success) {
    return ok(parsed.data);
  }
  const issue = parsed.error.issues[0];
  return err(issue === undefined ? 'invalid run payload' : `run_payload.${issue.path.join('.')}: ${issue.message}`);
}

/** @example runLaunchOf(spec).accessProfile === spec.runtime.access_profile */
export function runLaunchOf(spec: RunSpec): RunLaunch {
  return {
    runtimeMode: spec.runtime.mode,
    targetEnv: spec.runtime.target_env,
    accessProfile: spec.runtime.access_profile,
    buildRef: spec.runtime.build_ref,
    namespace: spec.runtime.namespace,
    model: spec.profile.model,
    reasoningEffort: spec.profile.reasoning_effort,
    writeScope: spec.stage.write_scope,
    promptKind: spec.stage.prompt_kind,
    discussion: spec.discussion_mode,
    pullRequestNumber: spec.pull_request?.number ?? null,
  };
}
