/**
 * Pure builders for the run's own objects (docs/domain.md §5.2, §5.4): the
 * namespace with its labels and lease annotations, the run Secret and the Job.
 * The per-namespace guard objects (RBAC, quota, limits, network policy) are in
 * namespace-manifests.ts. Names come from @stageline/policy. Tests compare
 * whole manifests and validate them with kubernetes-models.
 */
import type { V1EnvVar, V1Job, V1Namespace, V1Secret } from '@kubernetes/client-node';
import { compactId, isLabelValue, MANAGED_BY, namespaceLeaseAnnotations, prefixedKey } from '@stageline/policy';
import type { ClaimedRun } from '@stageline/protocol';
import { DEFAULT_JOB_RESOURCES, type JobProfile } from '../config-json.ts';
import { rbacProfileOf, runAccessOf, serviceAccountOf, type RunAccess } from './runtime-profile.ts';

export const LABEL_KEYS = Object.freeze({
  appName: 'app.kubernetes.io/name',
  appManagedBy: 'app.kubernetes.io/managed-by',
  managedBy: prefixedKey('managed-by'),
  installation: prefixedKey('cluster-agent'),
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
/** Keys of the run Secret. */
export const SECRET_KEYS = Object.freeze({ mcpToken: 'mcp-token', modelApiKey: 'model-api-key' });
/**
 * The run token as a file in the pod: the Secret volume follows the Secret,
 * so a token renewed with the lease (heartbeat.result `tokens`) reaches the
 * runner, which reads the file on each use. The env var holds only the token
 * the pod started with.
 */
export const RUN_TOKEN_DIR = '/var/run/stageline';
export const RUN_TOKEN_PATH = `${RUN_TOKEN_DIR}/run-token`;
/** Non-root user of the run pod (the runner image's user). */
export const RUN_UID = 1000;

/** Every Job this installation manages (observedJobs, cancel look-ups). */
export function managedJobSelector(installation: string): string {
  return `${LABEL_KEYS.appManagedBy}=${MANAGED_BY},${LABEL_KEYS.installation}=${installation}`;
}

/** The two labels every object the agent creates carries (docs/domain.md §5.2). */
export function ownershipLabels(installation: string): Record<string, string> {
  return { [LABEL_KEYS.managedBy]: MANAGED_BY, [LABEL_KEYS.installation]: installation };
}

/** Whether an object carries this installation's ownership labels (anything else is never touched). */
export function isOwnedBy(labels: Readonly<Record<string, string>> | undefined, installation: string): boolean {
  return labels?.[LABEL_KEYS.managedBy] === MANAGED_BY && labels[LABEL_KEYS.installation] === installation;
}

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

/** `stageline-run-<compact run id>-credentials`: one per run, re-owned by each attempt's Job. */
export function runSecretName(runId: string): string {
  return `stageline-run-${compactId(runId, 32)}-credentials`;
}

export interface NamespaceInput {
  run: ClaimedRun;
  namespace: string;
  installation: string;
  now: Date;
  /** Lease TTL of the run: the project's, else Helm's for its role (policy `runNamespaceTtlSeconds`). */
  ttlSeconds: number;
}

/** Namespace labels and annotations of §5.2 with a fresh lease from `now` (§5.7 rule 3). */
export function buildRunNamespace(input: NamespaceInput): V1Namespace {
  const { run } = input;
  const labels: Record<string, string> = {
    ...ownershipLabels(input.installation),
    [LABEL_KEYS.namespacePurpose]: 'run',
    // The mode of the latest run using the namespace, as the edge decided it (§2.9).
    [LABEL_KEYS.runtimeMode]: runAccessOf(run).runtimeMode,
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
      annotations: { [LABEL_KEYS.correlationId]: run.correlationId, ...namespaceLeaseAnnotations(input.now, input.ttlSeconds) },
    },
  };
}

export interface SecretInput {
  /** The token to store: the claim's, or one renewed with the lease. */
  run: Pick<ClaimedRun, 'runId' | 'runToken'>;
  namespace: string;
  installation: string;
  modelApiKey: string | undefined;
}

/** The run Secret (docs/domain.md §5.4): the run token and the model key, read through secretKeyRef. */
export function buildRunSecret(input: SecretInput): V1Secret {
  const data: Record<string, string> = { [SECRET_KEYS.mcpToken]: Buffer.from(input.run.runToken).toString('base64') };
  if (input.modelApiKey !== undefined) {
    data[SECRET_KEYS.modelApiKey] = Buffer.from(input.modelApiKey).toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: runSecretName(input.run.runId),
      namespace: input.namespace,
      labels: { ...ownershipLabels(input.installation), [LABEL_KEYS.runId]: toLabelValue(input.run.runId) },
    },
    type: 'Opaque',
    data,
  };
}

export interface JobSettings {
  /** Image of roles without a profile. */
  image: string;
  command: readonly string[];
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  edgeUrl: string;
  installation: string;
  profiles: Readonly<Record<string, JobProfile>>;
  /** Whether the run Secret holds a model API key for the pod. */
  withModelApiKey: boolean;
  /** Plain runner settings for every run pod; the agent's own variables win over them. */
  extraEnv?: Readonly<Record<string, string>>;
}

export interface RunObjectsInput {
  run: ClaimedRun;
  namespace: string;
  jobName: string;
}

function secretEnv(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function runEnv(run: ClaimedRun, settings: JobSettings, access: RunAccess): V1EnvVar[] {
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
    ['STAGELINE_RUNTIME_MODE', access.runtimeMode],
    ['STAGELINE_RUNTIME_ACCESS_PROFILE', access.accessProfile],
    ['STAGELINE_EDGE_URL', settings.edgeUrl],
    // The edge's launch decision (§2.4, §2.9); absent from edges before protocol 1.3.
    ['STAGELINE_RUNTIME_TARGET_ENV', run.launch?.targetEnv],
    ['STAGELINE_RUNTIME_BUILD_REF', run.launch?.buildRef ?? undefined],
    ['STAGELINE_AGENT_MODEL', run.launch?.model],
    ['STAGELINE_AGENT_REASONING_EFFORT', run.launch?.reasoningEffort],
    ['STAGELINE_PROMPT_TEMPLATE_KIND', run.launch?.promptKind],
    ['STAGELINE_RUN_WRITE_SCOPE', run.launch?.writeScope],
    ['STAGELINE_DISCUSSION_MODE', run.launch === null ? undefined : String(run.launch.discussion)],
    ['STAGELINE_EXISTING_PR_NUMBER', run.launch?.pullRequestNumber == null ? undefined : String(run.launch.pullRequestNumber)],
  ];
  env.push(['STAGELINE_MCP_TOKEN_FILE', RUN_TOKEN_PATH]);
  const own = new Set([...env.map(([name]) => name), 'STAGELINE_MCP_BEARER_TOKEN', 'STAGELINE_OPENAI_API_KEY']);
  const extra = Object.entries(settings.extraEnv ?? {}).filter(([name]) => !own.has(name));
  const plain = [...env, ...extra].flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
  const secret = runSecretName(run.runId);
  // Credentials only by reference: the pod spec never holds a secret value (§5.4).
  const refs = [secretEnv('STAGELINE_MCP_BEARER_TOKEN', secret, SECRET_KEYS.mcpToken)];
  if (settings.withModelApiKey) {
    refs.push(secretEnv('STAGELINE_OPENAI_API_KEY', secret, SECRET_KEYS.modelApiKey));
  }
  return [...plain, ...refs];
}

/** The run Job of §5.4: deterministic name per attempt, no retries, a restricted pod. */
export function buildRunJob(input: RunObjectsInput, settings: JobSettings): V1Job {
  const { run } = input;
  const runIdLabel = toLabelValue(run.runId);
  const role = settings.profiles[run.agentKey] ?? {};
  const access = runAccessOf(run);
  const owned = ownershipLabels(settings.installation);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.jobName,
      namespace: input.namespace,
      labels: {
        [LABEL_KEYS.appName]: RUN_APP_NAME,
        [LABEL_KEYS.appManagedBy]: MANAGED_BY,
        ...owned,
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
        metadata: { labels: { [LABEL_KEYS.appName]: RUN_APP_NAME, ...owned, [LABEL_KEYS.runId]: runIdLabel } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: serviceAccountOf(rbacProfileOf(access.accessProfile)),
          securityContext: { runAsNonRoot: true, runAsUser: RUN_UID, runAsGroup: RUN_UID, fsGroup: RUN_UID, seccompProfile: { type: 'RuntimeDefault' } },
          ...(role.nodeSelector ? { nodeSelector: { ...role.nodeSelector } } : {}),
          containers: [
            {
              name: RUN_CONTAINER,
              image: role.image ?? settings.image,
              command: [...settings.command],
              workingDir: '/workspace',
              env: runEnv(run, settings, access),
              resources: structuredClone(role.resources ?? DEFAULT_JOB_RESOURCES),
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              // The root filesystem is read-only: scratch space and the checkout live on emptyDirs.
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'workspace', mountPath: '/workspace' },
                { name: 'run-token', mountPath: RUN_TOKEN_DIR, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'workspace', emptyDir: {} },
            { name: 'run-token', secret: { secretName: runSecretName(run.runId), items: [{ key: SECRET_KEYS.mcpToken, path: 'run-token' }], defaultMode: 0o440 } },
          ],
        },
      },
    },
  };
}
