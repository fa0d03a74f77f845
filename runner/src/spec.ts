/** The run spec the edge answers on `GET /runner/v1/run` (edge/src/domain/runner-spec.ts), checked on arrival. */
import { z } from 'zod';

export const runnerSpecSchema = z.object({
  run_id: z.string(),
  correlation_id: z.string(),
  epoch: z.number().int(),
  attempt_no: z.number().int(),
  repository: z.object({ full_name: z.string(), clone_url: z.string(), default_branch: z.string() }),
  issue: z.object({ number: z.number().int(), title: z.string(), body: z.string() }).nullable(),
  pull_request: z.object({ number: z.number().int(), head_ref: z.string().nullable(), base_ref: z.string().nullable() }).nullable(),
  stage: z.object({ trigger_kind: z.string(), trigger_label: z.string(), agent_key: z.string(), prompt_kind: z.string(), write_scope: z.string(), discussion: z.boolean() }),
  write: z.object({ commits: z.boolean(), allowed_paths: z.array(z.string()), branch: z.string().nullable(), base_branch: z.string(), opens_pull_request: z.boolean() }),
  model: z.object({ name: z.string(), reasoning_effort: z.string() }),
  mcp: z.object({ url: z.string(), tools: z.array(z.string()) }),
  /** The project's engine and locale; null (or an older edge without the field): the Job's defaults. */
  agent: z.object({ engine: z.enum(['codex', 'claude']).nullable(), locale: z.string().nullable() }).default({ engine: null, locale: null }),
  /** The run waits for a person or an approval (the runner then parks). */
  wait: z.object({ reason: z.string(), target: z.string() }).nullable().default(null),
  /** How the last wait ended (a resumed attempt): policy `ResumePayload`, shown to the agent as data. */
  resume: z.record(z.string(), z.unknown()).nullable().default(null),
});

export type RunnerSpec = z.infer<typeof runnerSpecSchema>;
