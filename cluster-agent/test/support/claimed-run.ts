/** A claimed run and a launch decision as the edge sends them (protocol `ClaimedRun`), for tests to vary. */
import type { ClaimedRun } from '@stageline/protocol';

/** A launch as the edge's policy decides it for `run:dev` (policy runLaunchOf). */
export const LAUNCH: NonNullable<ClaimedRun['launch']> = {
  runtimeMode: 'full-env',
  targetEnv: 'ai',
  accessProfile: 'candidate',
  buildRef: 'main',
  namespace: null,
  model: 'gpt-5.4',
  reasoningEffort: 'high',
  writeScope: 'any',
  promptKind: 'work',
  discussion: false,
  pullRequestNumber: null,
};

/** A first attempt of `run:dev` on acme/app#7, without a launch decision unless given. */
export function claimedRun(overrides: Partial<ClaimedRun> = {}): ClaimedRun {
  return {
    runId: '3f2a9b1c-0000-4000-8000-000000000001',
    correlationId: 'delivery-42',
    epoch: 1,
    attemptNo: 1,
    projectId: 'proj-1',
    repositoryFullName: 'acme/app',
    issueNumber: 7,
    triggerKind: 'dev',
    triggerLabel: 'run:dev',
    agentKey: 'dev',
    leaseUntil: '2026-11-22T10:45:00.000Z',
    takeover: false,
    jobName: null,
    logSeq: 0,
    logLines: 0,
    runToken: 'srt_token',
    queuedAt: null,
    launch: null,
    ...overrides,
  };
}
