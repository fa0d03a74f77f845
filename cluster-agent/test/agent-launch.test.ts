/**
 * The agent obeys the launch decision the claim carries (policy/src/run-payload.ts
 * `runLaunchOf`, protocol `ClaimedRun.launch`): access profile and runtime mode
 * come from the edge's policy, which decided them with the project's own label
 * catalog; the agent does not recompute them from the trigger kind.
 */
import type { ClaimedRun } from '@stageline/protocol';
import type { V1Job, V1Role } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeKubeGateway } from './fakes/fake-kube-gateway.ts';
import { startFakeEdge, type FakeEdge } from './fakes/fake-edge-server.ts';
import { LAUNCH } from './support/claimed-run.ts';
import { startAgent, type StartedAgent } from './support/start-agent.ts';

const WAIT = { timeout: 10_000, interval: 20 };

let edge: FakeEdge | undefined;
let agent: StartedAgent | undefined;

afterEach(async () => {
  await agent?.stop();
  await edge?.close();
  agent = undefined;
  edge = undefined;
});

async function runJob(overrides: Partial<Omit<ClaimedRun, 'epoch' | 'leaseUntil' | 'takeover' | 'logSeq' | 'logLines' | 'runToken'>>) {
  edge = await startFakeEdge();
  const kube = new FakeKubeGateway();
  agent = startAgent(edge, { gateway: kube });
  const runId = edge.addRun(overrides);
  const job = await vi.waitFor(() => {
    const name = kube.jobNames()[0];
    const found = name === undefined ? undefined : kube.getJob(name);
    expect(found).toBeDefined();
    return found as V1Job;
  }, WAIT);
  const namespace = job.metadata?.namespace ?? '';
  const env = Object.fromEntries((job.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  const roles = [...kube.objects.values()].filter((o): o is V1Role => o.kind === 'Role' && o.metadata?.namespace === namespace);
  return { runId, job, env, roles, namespaceLabels: kube.namespaces.get(namespace)?.metadata?.labels ?? {} };
}

const writes = (role: V1Role): string[] => (role.rules ?? []).flatMap((r) => r.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)));

describe('launch decision in the Job', () => {
  it('runs a read-only launch with the read-only role, under a project-specific label name', async () => {
    // `dev` is a candidate stage in the default catalog: only the launch makes this run read-only.
    const { job, env, roles } = await runJob({ triggerKind: 'dev', triggerLabel: 'AI: develop', launch: { ...LAUNCH, accessProfile: 'production-readonly', targetEnv: 'production' } });
    expect(job.spec?.template.spec?.serviceAccountName).toBe('stageline-runner-readonly');
    expect(env).toMatchObject({ STAGELINE_RUNTIME_ACCESS_PROFILE: 'production-readonly', STAGELINE_RUN_TRIGGER_LABEL: 'AI: develop', STAGELINE_RUNTIME_TARGET_ENV: 'production' });
    expect(roles.map((r) => r.metadata?.name)).toEqual(['stageline-runner-readonly']);
    expect(roles.flatMap(writes)).toEqual([]);
  });

  it('runs a review-driven revise of a production stage as the candidate the edge decided', async () => {
    const { job, env, roles } = await runJob({ triggerKind: 'ops_revise', triggerLabel: 'AI: ops revise', launch: { ...LAUNCH, accessProfile: 'candidate', pullRequestNumber: 12 } });
    expect(job.spec?.template.spec?.serviceAccountName).toBe('stageline-runner');
    expect(env).toMatchObject({ STAGELINE_RUNTIME_ACCESS_PROFILE: 'candidate', STAGELINE_EXISTING_PR_NUMBER: '12' });
    expect(roles.map((r) => r.metadata?.name)).toEqual(['stageline-runner']);
  });

  it('honours a repair launch: its profile and code-only mode reach the Job, with no write access', async () => {
    const { job, env, roles, namespaceLabels } = await runJob({
      triggerKind: 'ai_repair',
      triggerLabel: 'AI: fix production',
      agentKey: 'sre',
      launch: { ...LAUNCH, accessProfile: 'repair', runtimeMode: 'code-only', targetEnv: 'production' },
    });
    expect(env).toMatchObject({ STAGELINE_RUNTIME_ACCESS_PROFILE: 'repair', STAGELINE_RUNTIME_MODE: 'code-only', STAGELINE_RUNTIME_TARGET_ENV: 'production' });
    expect(job.spec?.template.spec?.serviceAccountName).toBe('stageline-runner-readonly');
    expect(roles.flatMap(writes)).toEqual([]);
    expect(namespaceLabels['stageline.dev/runtime-mode']).toBe('code-only');
  });
});
