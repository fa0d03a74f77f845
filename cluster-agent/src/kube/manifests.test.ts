import { Job } from 'kubernetes-models/batch/v1/Job';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { ClaimedRun } from '@stageline/protocol';
import { describe, expect, it } from 'vitest';
import { buildRunJob, buildRunNamespace, toLabelValue, type JobSettings } from './manifests.ts';

const run: ClaimedRun = {
  runId: '3f2a9b1c-0000-4000-8000-000000000001',
  correlationId: 'delivery-42',
  epoch: 3,
  attemptNo: 2,
  projectId: 'proj-1',
  repositoryFullName: 'acme/app',
  issueNumber: 7,
  triggerKind: 'dev',
  triggerLabel: 'run:dev',
  agentKey: 'dev',
  leaseUntil: '2026-11-22T10:45:00.000Z',
};

const settings: JobSettings = {
  image: 'ghcr.io/stageline/runner:latest',
  command: ['stageline-runner'],
  activeDeadlineSeconds: 18000,
  ttlSecondsAfterFinished: 600,
  edgeUrl: 'https://edge.example.com',
};

const namespace = 'stageline-issue-proj1-i7-r3f2a9b1c0000';
const jobName = 'stageline-run-3f2a9b1c000040008000-2';

/** kubernetes-models validates plain JSON (dates as strings). */
const asJson = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('buildRunNamespace', () => {
  it('builds the §5.2 namespace', () => {
    expect(buildRunNamespace({ run, namespace })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          'stageline.dev/managed-by': 'stageline-cluster-agent',
          'stageline.dev/namespace-purpose': 'run',
          'stageline.dev/runtime-mode': 'full-env',
          'stageline.dev/project-id': 'proj-1',
          'stageline.dev/run-id': run.runId,
          'stageline.dev/issue-number': '7',
          'stageline.dev/agent-key': 'dev',
        },
        annotations: { 'stageline.dev/correlation-id': 'delivery-42' },
      },
    });
  });

  it('leaves out the issue number of a run without an issue', () => {
    const ns = buildRunNamespace({ run: { ...run, issueNumber: null }, namespace });
    expect(ns.metadata?.labels).not.toHaveProperty('stageline.dev/issue-number');
  });

  it('passes kubernetes-models validation', () => {
    expect(() => new Namespace(asJson(buildRunNamespace({ run, namespace }))).validate()).not.toThrow();
  });
});

describe('buildRunJob', () => {
  it('builds the §5.4 job', () => {
    expect(buildRunJob({ run, namespace, jobName }, settings)).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace,
        labels: {
          'app.kubernetes.io/name': 'stageline-run',
          'app.kubernetes.io/managed-by': 'stageline-cluster-agent',
          'stageline.dev/run-id': run.runId,
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
          metadata: { labels: { 'app.kubernetes.io/name': 'stageline-run', 'stageline.dev/run-id': run.runId } },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'run',
                image: 'ghcr.io/stageline/runner:latest',
                command: ['stageline-runner'],
                env: [
                  { name: 'STAGELINE_RUN_ID', value: run.runId },
                  { name: 'STAGELINE_CORRELATION_ID', value: 'delivery-42' },
                  { name: 'STAGELINE_PROJECT_ID', value: 'proj-1' },
                  { name: 'STAGELINE_REPOSITORY_FULL_NAME', value: 'acme/app' },
                  { name: 'STAGELINE_ISSUE_NUMBER', value: '7' },
                  { name: 'STAGELINE_RUN_TRIGGER_KIND', value: 'dev' },
                  { name: 'STAGELINE_RUN_TRIGGER_LABEL', value: 'run:dev' },
                  { name: 'STAGELINE_AGENT_KEY', value: 'dev' },
                  { name: 'STAGELINE_ATTEMPT_NO', value: '2' },
                  { name: 'STAGELINE_EDGE_URL', value: 'https://edge.example.com' },
                ],
              },
            ],
          },
        },
      },
    });
  });

  it('passes kubernetes-models validation', () => {
    expect(() => new Job(asJson(buildRunJob({ run, namespace, jobName }, settings))).validate()).not.toThrow();
  });

  it('sanitises label values and omits a missing issue number from env', () => {
    const job = buildRunJob({ run: { ...run, projectId: 'Acme/App Project!', issueNumber: null }, namespace, jobName }, settings);
    expect(job.metadata?.labels?.['stageline.dev/project-id']).toBe('Acme-App-Project');
    const env = job.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.map((e) => e.name)).not.toContain('STAGELINE_ISSUE_NUMBER');
    expect(env.find((e) => e.name === 'STAGELINE_PROJECT_ID')?.value).toBe('Acme/App Project!');
  });

  it('copies the command so the config stays frozen', () => {
    const command = Object.freeze(['a', 'b']);
    const job = buildRunJob({ run, namespace, jobName }, { ...settings, command });
    expect(job.spec?.template.spec?.containers[0]?.command).toEqual(['a', 'b']);
    expect(Object.isFrozen(job.spec?.template.spec?.containers[0]?.command)).toBe(false);
  });

  it('is caught by schema validation when broken', () => {
    const job = asJson(buildRunJob({ run, namespace, jobName }, settings));
    const spec = job.spec as { backoffLimit: unknown };
    spec.backoffLimit = 'none';
    expect(() => new Job(job).validate()).toThrow(/integer/);
  });
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
