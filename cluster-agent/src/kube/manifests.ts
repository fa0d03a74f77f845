/**
 * Pure builders for the objects a run materialises (domain.md §5.2, §5.4).
 * Names come from @stageline/policy; label syntax is re-checked there too.
 * Tests compare whole manifests and validate them with kubernetes-models.
 */
import type { V1EnvVar, V1Job, V1Namespace } from '@kubernetes/client-node';
import { isLabelValue, MANAGED_BY, prefixedKey } from '@stageline/policy';
import type { ClaimedRun } from '@stageline/protocol';

export const LABEL_KEYS = Object.freeze({
  appName: 'app.kubernetes.io/name',
  appManagedBy: 'app.kubernetes.io/managed-by',
  managedBy: prefixedKey('managed-by'),
  namespacePurpose: prefixedKey('namespace-purpose'),
  runtimeMode: prefixedKey('runtime-mode'),
  projectId: prefixedKey('project-id'),
  runId: prefixedKey('run-id'),
  issueNumber: prefixedKey('issue-number'),
  agentKey: prefixedKey('agent-key'),
  leaseEpoch: prefixedKey('lease-epoch'),
  correlationId: prefixedKey('correlation-id'),
  /** Set by the Job controller on its pods. */
  jobName: 'job-name',
});

export const RUN_APP_NAME = 'stageline-run';
export const RUN_CONTAINER = 'run';

/** Selects every Job this agent manages (observedJobs, adoption). */
export const MANAGED_JOB_SELECTOR = `${LABEL_KEYS.appManagedBy}=${MANAGED_BY}`;

/**
 * A valid label value from any string: invalid characters become '-', cut to
 * 63, alphanumeric at both ends; '' when nothing is left.
 * @example toLabelValue('acme/app 1') === 'acme-app-1'
 */
export function toLabelValue(value: string): string {
  if (isLabelValue(value)) {
    return value;
  }
  return value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export interface JobSettings {
  image: string;
  command: readonly string[];
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  edgeUrl: string;
}

export interface RunObjectsInput {
  run: ClaimedRun;
  namespace: string;
  jobName: string;
}

/** Namespace labels and annotations of §5.2 (full-env, the only mode of this version). */
export function buildRunNamespace(input: Omit<RunObjectsInput, 'jobName'>): V1Namespace {
  const { run } = input;
  const labels: Record<string, string> = {
    [LABEL_KEYS.managedBy]: MANAGED_BY,
    [LABEL_KEYS.namespacePurpose]: 'run',
    [LABEL_KEYS.runtimeMode]: 'full-env',
    [LABEL_KEYS.projectId]: toLabelValue(run.projectId),
    [LABEL_KEYS.runId]: toLabelValue(run.runId),
  };
  if (run.issueNumber !== null) {
    labels[LABEL_KEYS.issueNumber] = String(run.issueNumber);
  }
  labels[LABEL_KEYS.agentKey] = toLabelValue(run.agentKey);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: input.namespace,
      labels,
      annotations: { [LABEL_KEYS.correlationId]: run.correlationId },
    },
  };
}

function runEnv(run: ClaimedRun, edgeUrl: string): V1EnvVar[] {
  const env: Array<[string, string | undefined]> = [
    ['STAGELINE_RUN_ID', run.runId],
    ['STAGELINE_CORRELATION_ID', run.correlationId],
    ['STAGELINE_PROJECT_ID', run.projectId],
    ['STAGELINE_REPOSITORY_FULL_NAME', run.repositoryFullName],
    ['STAGELINE_ISSUE_NUMBER', run.issueNumber === null ? undefined : String(run.issueNumber)],
    ['STAGELINE_RUN_TRIGGER_KIND', run.triggerKind],
    ['STAGELINE_RUN_TRIGGER_LABEL', run.triggerLabel],
    ['STAGELINE_AGENT_KEY', run.agentKey],
    ['STAGELINE_ATTEMPT_NO', String(run.attemptNo)],
    ['STAGELINE_EDGE_URL', edgeUrl],
  ];
  return env.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
}

/** The run Job of §5.4: deterministic name per attempt, no retries, one container `run`. */
export function buildRunJob(input: RunObjectsInput, settings: JobSettings): V1Job {
  const { run } = input;
  const runIdLabel = toLabelValue(run.runId);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.jobName,
      namespace: input.namespace,
      labels: {
        [LABEL_KEYS.appName]: RUN_APP_NAME,
        [LABEL_KEYS.appManagedBy]: MANAGED_BY,
        [LABEL_KEYS.runId]: runIdLabel,
        [LABEL_KEYS.projectId]: toLabelValue(run.projectId),
        [LABEL_KEYS.leaseEpoch]: String(run.epoch),
      },
      annotations: { [LABEL_KEYS.correlationId]: run.correlationId },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { [LABEL_KEYS.appName]: RUN_APP_NAME, [LABEL_KEYS.runId]: runIdLabel } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: RUN_CONTAINER,
              image: settings.image,
              command: [...settings.command],
              env: runEnv(run, settings.edgeUrl),
            },
          ],
        },
      },
    },
  };
}
