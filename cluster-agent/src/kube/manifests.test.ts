import type { ClaimedRun } from '@stageline/protocol';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { LAUNCH, claimedRun } from '../../test/support/claimed-run.ts';
import { buildRunJob, buildRunNamespace, buildRunSecret, isOwnedBy, runSecretName, toLabelValue, type JobSettings } from './manifests.ts';

const RUN = claimedRun({ epoch: 3, attemptNo: 2, runToken: 'srt_super_secret_run_token' });

const settings: JobSettings = {
  image: 'ghcr.io/stageline/runner:latest',
  command: ['stageline-runner'],
  activeDeadlineSeconds: 18000,
  ttlSecondsAfterFinished: 600,
  edgeUrl: 'https://edge.example.com',
  installation: 'stageline',
  profiles: {},
  withModelApiKey: false,
};

const namespace = 'stageline-issue-proj1-i7-r3f2a9b1c0000';
const jobName = 'stageline-run-3f2a9b1c000040008000-2';
const now = new Date('2026-11-22T10:00:00.000Z');
const secretName = 'stageline-run-3f2a9b1c000040008000000000000001-credentials';

/** kubernetes-models validates plain JSON (dates as strings). */
const asJson = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('buildRunNamespace', () => {
  it('builds the §5.2 namespace with ownership labels and a lease from now', () => {
    expect(buildRunNamespace({ run: RUN, namespace, installation: 'stageline', now, ttlSeconds: 3600 })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          'stageline.dev/managed-by': 'stageline-cluster-agent',
          'stageline.dev/cluster-agent': 'stageline',
          'stageline.dev/namespace-purpose': 'run',
          'stageline.dev/runtime-mode': 'full-env',
          'stageline.dev/project-id': 'proj-1',
          'stageline.dev/run-id': RUN.runId,
          'stageline.dev/issue-number': '7',
          'stageline.dev/agent-key': 'dev',
        },
        annotations: {
          'stageline.dev/correlation-id': 'delivery-42',
          'stageline.dev/namespace-lease-ttl': '1h0m0s',
          'stageline.dev/namespace-lease-expires-at': '2026-11-22T11:00:00.000Z',
          'stageline.dev/namespace-lease-updated-at': '2026-11-22T10:00:00.000Z',
        },
      },
    });
  });

  it('leaves out the issue number of a run without an issue', () => {
    const ns = buildRunNamespace({ run: { ...RUN, issueNumber: null }, namespace, installation: 'stageline', now, ttlSeconds: 60 });
    expect(ns.metadata?.labels).not.toHaveProperty('stageline.dev/issue-number');
  });

  it("tells the runner the edge's launch decision: runtime, build ref, model, effort, prompt, scope", () => {
    const launch = {
      runtimeMode: 'code-only' as const,
      targetEnv: 'ai' as const,
      accessProfile: 'candidate' as const,
      buildRef: 'abc123',
      namespace: null,
      model: 'gpt-5.2',
      reasoningEffort: 'xhigh',
      writeScope: 'discussion' as const,
      promptKind: 'revise' as const,
      discussion: true,
      pullRequestNumber: 12,
    };
    const env = buildRunJob({ run: { ...RUN, launch }, namespace, jobName }, settings).spec?.template.spec?.containers[0]?.env ?? [];
    const plain = Object.fromEntries(env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])));
    expect(plain).toMatchObject({
      STAGELINE_RUNTIME_MODE: 'code-only',
      STAGELINE_RUNTIME_TARGET_ENV: 'ai',
      STAGELINE_RUNTIME_BUILD_REF: 'abc123',
      STAGELINE_AGENT_MODEL: 'gpt-5.2',
      STAGELINE_AGENT_REASONING_EFFORT: 'xhigh',
      STAGELINE_PROMPT_TEMPLATE_KIND: 'revise',
      STAGELINE_RUN_WRITE_SCOPE: 'discussion',
      STAGELINE_DISCUSSION_MODE: 'true',
      STAGELINE_EXISTING_PR_NUMBER: '12',
    });
  });

  it('obeys the access profile and runtime mode of the launch, whatever the trigger kind or label name', () => {
    const sa = (run: ClaimedRun) => buildRunJob({ run, namespace, jobName }, settings).spec?.template.spec?.serviceAccountName;
    const envOf = (run: ClaimedRun) => Object.fromEntries((buildRunJob({ run, namespace, jobName }, settings).spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    // A project that renamed its labels: the edge decided with its catalog, the agent does not look the label up.
    const readOnly: ClaimedRun = { ...RUN, triggerLabel: 'AI: develop', launch: { ...LAUNCH, accessProfile: 'production-readonly', targetEnv: 'production' } };
    expect(sa(readOnly)).toBe('stageline-runner-readonly');
    expect(envOf(readOnly)).toMatchObject({ STAGELINE_RUNTIME_ACCESS_PROFILE: 'production-readonly', STAGELINE_RUN_TRIGGER_LABEL: 'AI: develop' });
    // A review-driven revise of a production stage runs on the PR's candidate (policy planRuntime).
    const prRevise: ClaimedRun = { ...RUN, triggerKind: 'ops_revise', triggerLabel: 'AI: ops again', launch: { ...LAUNCH, accessProfile: 'candidate' } };
    expect(sa(prRevise)).toBe('stageline-runner');
    expect(envOf(prRevise)).toMatchObject({ STAGELINE_RUNTIME_ACCESS_PROFILE: 'candidate' });
  });

  it('carries a repair launch to the Job with the read-only role and its code-only mode', () => {
    const repair: ClaimedRun = {
      ...RUN,
      triggerKind: 'ai_repair',
      triggerLabel: 'AI: fix production',
      agentKey: 'sre',
      launch: { ...LAUNCH, accessProfile: 'repair', runtimeMode: 'code-only', targetEnv: 'production' },
    };
    const job = buildRunJob({ run: repair, namespace, jobName }, settings);
    expect(job.spec?.template.spec?.serviceAccountName).toBe('stageline-runner-readonly');
    expect(job.spec?.template.spec?.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'STAGELINE_RUNTIME_ACCESS_PROFILE', value: 'repair' },
        { name: 'STAGELINE_RUNTIME_MODE', value: 'code-only' },
        { name: 'STAGELINE_RUNTIME_TARGET_ENV', value: 'production' },
      ]),
    );
    expect(buildRunNamespace({ run: repair, namespace, installation: 'stageline', now, ttlSeconds: 60 }).metadata?.labels?.['stageline.dev/runtime-mode']).toBe('code-only');
  });

  it('runs postdeploy and ops read-only when the claim has no launch (edges before protocol 1.3)', () => {
    for (const triggerKind of ['postdeploy', 'postdeploy_revise', 'ops', 'ops_revise']) {
      expect(buildRunJob({ run: { ...RUN, triggerKind }, namespace, jobName }, settings).spec?.template.spec?.serviceAccountName).toBe('stageline-runner-readonly');
    }
    expect(buildRunJob({ run: { ...RUN, triggerKind: 'qa' }, namespace, jobName }, settings).spec?.template.spec?.serviceAccountName).toBe('stageline-runner');
  });

  it('passes kubernetes-models validation', () => {
    expect(() => new Namespace(asJson(buildRunNamespace({ run: RUN, namespace, installation: 'stageline', now, ttlSeconds: 60 }))).validate()).not.toThrow();
  });
});

describe('buildRunSecret', () => {
  it('holds the run token and, when configured, the model key', () => {
    const secret = buildRunSecret({ run: RUN, namespace, installation: 'blue', modelApiKey: 'sk-model' });
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        namespace,
        labels: { 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'blue', 'stageline.dev/run-id': RUN.runId },
      },
      type: 'Opaque',
      data: {
        'mcp-token': Buffer.from('srt_super_secret_run_token').toString('base64'),
        'model-api-key': Buffer.from('sk-model').toString('base64'),
      },
    });
    expect(() => new Secret(asJson(secret)).validate()).not.toThrow();
    expect(buildRunSecret({ run: RUN, namespace, installation: 'blue', modelApiKey: undefined }).data).toEqual({ 'mcp-token': Buffer.from(RUN.runToken).toString('base64') });
    expect(runSecretName(RUN.runId)).toBe(secretName);
  });
});

const expectedEnv = [
  { name: 'STAGELINE_RUN_ID', value: RUN.runId },
  { name: 'STAGELINE_CORRELATION_ID', value: 'delivery-42' },
  { name: 'STAGELINE_PROJECT_ID', value: 'proj-1' },
  { name: 'STAGELINE_REPOSITORY_FULL_NAME', value: 'acme/app' },
  { name: 'STAGELINE_ISSUE_NUMBER', value: '7' },
  { name: 'STAGELINE_RUN_TRIGGER_KIND', value: 'dev' },
  { name: 'STAGELINE_RUN_TRIGGER_LABEL', value: 'run:dev' },
  { name: 'STAGELINE_AGENT_KEY', value: 'dev' },
  { name: 'STAGELINE_ATTEMPT_NO', value: '2' },
  { name: 'STAGELINE_RUNTIME_MODE', value: 'full-env' },
  { name: 'STAGELINE_RUNTIME_ACCESS_PROFILE', value: 'candidate' },
  { name: 'STAGELINE_EDGE_URL', value: 'https://edge.example.com' },
  { name: 'STAGELINE_MCP_TOKEN_FILE', value: '/var/run/stageline/run-token' },
  { name: 'STAGELINE_MCP_BEARER_TOKEN', valueFrom: { secretKeyRef: { name: secretName, key: 'mcp-token' } } },
];

describe('buildRunJob', () => {
  it('builds the §5.4 job with a restricted pod', () => {
    expect(buildRunJob({ run: RUN, namespace, jobName }, settings)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace,
        labels: {
          'app.kubernetes.io/name': 'stageline-run',
          'app.kubernetes.io/managed-by': 'stageline-cluster-agent',
          'stageline.dev/managed-by': 'stageline-cluster-agent',
          'stageline.dev/cluster-agent': 'stageline',
          'stageline.dev/run-id': RUN.runId,
          'stageline.dev/project-id': 'proj-1',
          'stageline.dev/lease-epoch': '3',
        },
        annotations: { 'stageline.dev/correlation-id': 'delivery-42' },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 18000,
        ttlSecondsAfterFinished: 600,
        template: {
          metadata: {
            labels: {
              'app.kubernetes.io/name': 'stageline-run',
              'stageline.dev/managed-by': 'stageline-cluster-agent',
              'stageline.dev/cluster-agent': 'stageline',
              'stageline.dev/run-id': RUN.runId,
            },
          },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: 'stageline-runner',
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'run',
                image: 'ghcr.io/stageline/runner:latest',
                command: ['stageline-runner'],
                workingDir: '/workspace',
                env: expectedEnv,
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2', memory: '4Gi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'workspace', mountPath: '/workspace' },
                  { name: 'run-token', mountPath: '/var/run/stageline', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: {} },
              { name: 'workspace', emptyDir: {} },
              // The run token as a file that follows the Secret (renewed with the lease).
              { name: 'run-token', secret: { secretName, items: [{ key: 'mcp-token', path: 'run-token' }], defaultMode: 0o440 } },
            ],
          },
        },
      },
    });
  });

  it('passes kubernetes-models validation', () => {
    expect(() => new Job(asJson(buildRunJob({ run: RUN, namespace, jobName }, settings))).validate()).not.toThrow();
  });

  it('never puts the run token or the model key into the Job', () => {
    const job = buildRunJob({ run: RUN, namespace, jobName }, { ...settings, withModelApiKey: true });
    const text = JSON.stringify(job);
    expect(text).not.toContain(RUN.runToken);
    expect(text).not.toContain(Buffer.from(RUN.runToken).toString('base64'));
    const env = job.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.at(-1)).toEqual({ name: 'STAGELINE_OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: secretName, key: 'model-api-key' } } });
    const credentials = env.filter((e) => e.name === 'STAGELINE_MCP_BEARER_TOKEN' || e.name === 'STAGELINE_OPENAI_API_KEY');
    expect(credentials).toHaveLength(2);
    expect(credentials.every((e) => e.value === undefined && e.valueFrom?.secretKeyRef?.name === secretName)).toBe(true);
  });

  it('adds the configured runner settings, but never over the run\'s own variables or credentials', () => {
    const extraEnv = { STAGELINE_RUNNER_ENGINE: 'codex', STAGELINE_MODEL_BASE_URL: 'http://llm-proxy:8080/v1', STAGELINE_RUN_ID: 'forged', STAGELINE_MCP_BEARER_TOKEN: 'forged' };
    const env = buildRunJob({ run: RUN, namespace, jobName }, { ...settings, extraEnv }).spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.filter((e) => e.name === 'STAGELINE_RUNNER_ENGINE' || e.name === 'STAGELINE_MODEL_BASE_URL').map((e) => e.value)).toEqual(['codex', 'http://llm-proxy:8080/v1']);
    expect(env.filter((e) => e.name === 'STAGELINE_RUN_ID')).toEqual([{ name: 'STAGELINE_RUN_ID', value: RUN.runId }]);
    expect(env.filter((e) => e.name === 'STAGELINE_MCP_BEARER_TOKEN')).toEqual([{ name: 'STAGELINE_MCP_BEARER_TOKEN', valueFrom: { secretKeyRef: { name: secretName, key: 'mcp-token' } } }]);
  });

  it('takes image, resources and node selector from the role profile', () => {
    const profiles = { dev: { image: 'ghcr.io/acme/dev-runner:2', resources: { limits: { cpu: '4' } }, nodeSelector: { pool: 'agents' } } };
    const job = buildRunJob({ run: RUN, namespace, jobName }, { ...settings, profiles });
    const pod = job.spec?.template.spec;
    expect(pod?.containers[0]?.image).toBe('ghcr.io/acme/dev-runner:2');
    expect(pod?.containers[0]?.resources).toEqual({ limits: { cpu: '4' } });
    expect(pod?.nodeSelector).toEqual({ pool: 'agents' });
    const other = buildRunJob({ run: { ...RUN, agentKey: 'qa' }, namespace, jobName }, { ...settings, profiles });
    expect(other.spec?.template.spec?.containers[0]?.image).toBe('ghcr.io/stageline/runner:latest');
    expect(other.spec?.template.spec?.nodeSelector).toBeUndefined();
    expect(() => new Job(asJson(job)).validate()).not.toThrow();
  });

  it.each([
    ['postdeploy', 'stageline-runner-readonly', 'production-readonly'],
    ['ops_revise', 'stageline-runner-readonly', 'production-readonly'],
    ['dev_revise', 'stageline-runner', 'candidate'],
  ])('runs %s as %s', (triggerKind, account, profile) => {
    const job = buildRunJob({ run: { ...RUN, triggerKind }, namespace, jobName }, settings);
    expect(job.spec?.template.spec?.serviceAccountName).toBe(account);
    expect(job.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'STAGELINE_RUNTIME_ACCESS_PROFILE', value: profile });
  });

  it('sanitises label values and omits a missing issue number from env', () => {
    const job = buildRunJob({ run: { ...RUN, projectId: 'Acme/App Project!', issueNumber: null }, namespace, jobName }, settings);
    expect(job.metadata?.labels?.['stageline.dev/project-id']).toBe('Acme-App-Project');
    const env = job.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.map((e) => e.name)).not.toContain('STAGELINE_ISSUE_NUMBER');
    expect(env.find((e) => e.name === 'STAGELINE_PROJECT_ID')?.value).toBe('Acme/App Project!');
  });

  it('copies the command so the config stays frozen', () => {
    const command = Object.freeze(['a', 'b']);
    const job = buildRunJob({ run: RUN, namespace, jobName }, { ...settings, command });
    expect(job.spec?.template.spec?.containers[0]?.command).toEqual(['a', 'b']);
    expect(Object.isFrozen(job.spec?.template.spec?.containers[0]?.command)).toBe(false);
  });

  it('is caught by schema validation when broken', () => {
    const job = asJson(buildRunJob({ run: RUN, namespace, jobName }, settings));
    const spec = job.spec as { backoffLimit: unknown };
    spec.backoffLimit = 'none';
    expect(() => new Job(job).validate()).toThrow(/integer/);
  });
});

describe('isOwnedBy', () => {
  it.each([
    [{ 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'stageline' }, true],
    [{ 'stageline.dev/managed-by': 'stageline-cluster-agent', 'stageline.dev/cluster-agent': 'other' }, false],
    [{ 'stageline.dev/managed-by': 'someone-else', 'stageline.dev/cluster-agent': 'stageline' }, false],
    [{ 'stageline.dev/managed-by': 'stageline-cluster-agent' }, false],
    [undefined, false],
  ])('%j -> %s', (labels, want) => expect(isOwnedBy(labels, 'stageline')).toBe(want));
});

describe('toLabelValue', () => {
  it.each([
    ['proj-1', 'proj-1'],
    ['acme/app 1', 'acme-app-1'],
    ['-_lead.trail_-', 'lead.trail'],
    ['x'.repeat(70), 'x'.repeat(63)],
    ['///', ''],
  ])('%j -> %j', (input, want) => expect(toLabelValue(input)).toBe(want));
});
