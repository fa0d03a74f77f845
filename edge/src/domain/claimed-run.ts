import type { ClaimedRun } from '@stageline/protocol';
import { parseAgentSettings, parseRunSpec, projectNamespaceTtlSeconds, runLaunchOf, runToolScope } from '@stageline/policy';
import { mintRunToken, type RunTokenInput } from '../auth/run-token.ts';
import type { Db } from '../db/client.ts';
import { logProgress, projectAgentSettings } from '../db/claim-repo.ts';
import type { RunRow } from '../db/run-dto.ts';

export interface TokenSettings {
  runTokenKey: string;
  runTokenTtlSeconds: number;
}

/**
 * The projection of a run the cluster needs (docs/domain.md §3.4): no raw payload,
 * a fresh run token, where its log left off in this epoch, and its project's
 * namespace TTL as the settings say now (§5.7).
 */
export async function toClaimedRuns(
  db: Db,
  rows: readonly { run: RunRow; takeover: boolean }[],
  settings: TokenSettings,
  now: Date,
): Promise<ClaimedRun[]> {
  const runs = rows.map((r) => r.run);
  const [progress, agentSettings] = await Promise.all([logProgress(db, runs), projectAgentSettings(db, runs.map((run) => run.projectId))]);
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
      namespaceTtlSeconds: namespaceTtlOf(agentSettings.get(run.projectId), run.agentKey),
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

/**
 * The launch decision as ingest stored it in run_payload (policy/src/run-payload.ts).
 * Null for a payload that does not fit the contract (runs stored before it).
 */
export function launchOf(payload: unknown): ClaimedRun['launch'] {
  const spec = parseRunSpec(payload);
  return spec.ok ? runLaunchOf(spec.value) : null;
}

/**
 * The project's namespace TTL for the run's role (policy project-namespace-ttl.ts), null
 * when its settings leave it to the cluster. A bad settings row falls back, it never
 * stops a claim: the staff PATCH refuses bad values, older rows may still hold one.
 */
export function namespaceTtlOf(agentSettings: unknown, agentKey: string): number | null {
  return projectNamespaceTtlSeconds(agentKey, parseAgentSettings(agentSettings).value.namespaceTtl);
}
