import { claimedRunSchema, type ClaimedRun } from '@stageline/protocol';
import { z } from 'zod';
import { runToolScope } from '@stageline/policy';
import { mintRunToken, type RunTokenInput } from '../auth/run-token.ts';
import type { Db } from '../db/client.ts';
import { logProgress } from '../db/claim-repo.ts';
import type { RunRow } from '../db/run-dto.ts';

export interface TokenSettings {
  runTokenKey: string;
  runTokenTtlSeconds: number;
}

/**
 * The projection of a run the cluster needs (domain.md §3.4): no raw payload,
 * a fresh run token, and where its log left off in this epoch.
 */
export async function toClaimedRuns(
  db: Db,
  rows: readonly { run: RunRow; takeover: boolean }[],
  settings: TokenSettings,
  now: Date,
): Promise<ClaimedRun[]> {
  const progress = await logProgress(db, rows.map((r) => r.run));
  return Promise.all(
    rows.map(async ({ run, takeover }) => ({
      runId: run.id,
      correlationId: run.correlationId,
      epoch: run.leaseEpoch,
      attemptNo: run.attemptNo,
      projectId: run.projectId,
      repositoryFullName: run.repositoryFullName,
      issueNumber: run.issueNumber,
      triggerKind: run.triggerKind,
      triggerLabel: run.triggerLabel,
      agentKey: run.agentKey,
      leaseUntil: (run.leaseUntil ?? now).toISOString(),
      takeover,
      jobName: run.jobName,
      logSeq: progress.get(run.id)?.seq ?? 0,
      logLines: progress.get(run.id)?.lines ?? 0,
      queuedAt: run.createdAt.toISOString(),
      launch: launchOf(run.runPayload),
      // Short-lived and bound to this epoch; heartbeats renew it with the lease (auth/run-token.ts).
      runToken: (await mintRunToken(settings.runTokenKey, runTokenInput(run, settings, now))).token,
    })),
  );
}

/** The token of a run at its current epoch and attempt, scoped by its stage and agent (policy run-tools.ts). */
export function runTokenInput(run: Pick<RunRow, 'id' | 'leaseEpoch' | 'attemptNo' | 'triggerKind' | 'agentKey'>, settings: TokenSettings, now: Date): RunTokenInput {
  return {
    runId: run.id,
    epoch: run.leaseEpoch,
    attemptNo: run.attemptNo,
    scope: runToolScope({ triggerKind: run.triggerKind, agentKey: run.agentKey }),
    now,
    ttlSeconds: settings.runTokenTtlSeconds,
  };
}

// The launch decision as ingest stored it in run_payload (domain/run-payload.ts).
const launchSchema = z.looseObject({
  discussion_mode: z.boolean(),
  pull_request: z.looseObject({ number: z.number().int().positive() }).nullable().optional(),
  stage: z.looseObject({ write_scope: claimedRunSchema.shape.launch.unwrap().unwrap().shape.writeScope, prompt_kind: z.enum(['work', 'revise']) }),
  runtime: z.looseObject({
    mode: z.enum(['full-env', 'code-only']),
    target_env: z.enum(['ai', 'production']),
    access_profile: z.enum(['candidate', 'production-readonly', 'repair']),
    build_ref: z.string().max(255).nullable(),
    namespace: z.string().min(1).max(63).nullable(),
  }),
  profile: z.looseObject({ model: z.string().min(1).max(100), reasoning_effort: z.string().min(1).max(32) }),
});

/** Null for runs stored before the launch was recorded. */
export function launchOf(payload: unknown): ClaimedRun['launch'] {
  const parsed = launchSchema.safeParse(payload);
  if (!parsed.success) {
    return null;
  }
  const p = parsed.data;
  return {
    runtimeMode: p.runtime.mode,
    targetEnv: p.runtime.target_env,
    accessProfile: p.runtime.access_profile,
    buildRef: p.runtime.build_ref,
    namespace: p.runtime.namespace,
    model: p.profile.model,
    reasoningEffort: p.profile.reasoning_effort,
    writeScope: p.stage.write_scope,
    promptKind: p.stage.prompt_kind,
    discussion: p.discussion_mode,
    pullRequestNumber: p.pull_request?.number ?? null,
  };
}
