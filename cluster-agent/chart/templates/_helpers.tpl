{{/* Resource names: `<release>-stageline-agent`, or the release name when it already contains the chart name. */}}
{{- define "stageline-agent.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stageline-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "stageline-agent.baseLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stageline
{{- end -}}

{{- define "stageline-agent.baseLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The agent Deployment's pods; `component` keeps the sweep CronJob's pods out of the Service and the PDB. */}}
{{- define "stageline-agent.selectorLabels" -}}
{{ include "stageline-agent.baseLabels" . }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "stageline-agent.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "stageline-agent.tokenSecret" -}}
{{- if .Values.clusterToken.existingSecret -}}
{{- .Values.clusterToken.existingSecret -}}
{{- else -}}
{{- include "stageline-agent.fullname" . }}-token
{{- end -}}
{{- end -}}

{{/*
Pod-level securityContext: the "restricted" Pod Security Standard.
*/}}
{{- define "stageline-agent.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "stageline-agent.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The agent's environment (the contract in cluster-agent/src/config.ts), shared
by the Deployment and the sweep CronJob so both run with the same settings.
*/}}
{{- define "stageline-agent.env" -}}
{{- $runs := .Values.runs -}}
- name: STAGELINE_EDGE_URL
  value: {{ .Values.edge.url | quote }}
- name: STAGELINE_CLUSTER_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "stageline-agent.tokenSecret" . }}
      key: {{ .Values.clusterToken.key | quote }}
{{- if .Values.modelApiKey.existingSecret }}
- name: STAGELINE_MODEL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.modelApiKey.existingSecret | quote }}
      key: {{ .Values.modelApiKey.key | quote }}
{{- end }}
{{- range $env, $db := .Values.databaseLifecycle.environments }}
- name: STAGELINE_DB_ADMIN_URL_{{ $env | upper | replace "-" "_" }}
  valueFrom:
    secretKeyRef:
      name: {{ $db.adminSecretRef.name | quote }}
      key: {{ $db.adminSecretRef.key | default "url" | quote }}
{{- end }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
# One lease owner per replica (domain.md §3.6): several replicas may serve the cluster at once.
- name: STAGELINE_INSTANCE_ID
  value: "{{ .Release.Namespace }}/$(POD_NAME)"
# Label value on the namespaces this installation owns (domain.md §5.2 `stageline.dev/cluster-agent`).
- name: STAGELINE_INSTALLATION
  value: {{ .Release.Name | quote }}
- name: STAGELINE_HTTP_PORT
  value: {{ .Values.http.port | quote }}
- name: STAGELINE_RUN_NAMESPACE_PREFIX
  value: {{ $runs.namespacePrefix | quote }}
- name: STAGELINE_JOB_IMAGE
  value: {{ $runs.job.image | quote }}
- name: STAGELINE_JOB_COMMAND
  value: {{ $runs.job.command | toJson | quote }}
- name: STAGELINE_JOB_PROFILES
  value: {{ $runs.job.profiles | toJson | quote }}
- name: STAGELINE_JOB_ENV
  value: {{ $runs.job.env | default dict | toJson | quote }}
- name: STAGELINE_JOB_ACTIVE_DEADLINE_SECONDS
  value: {{ $runs.job.activeDeadlineSeconds | quote }}
- name: STAGELINE_JOB_TTL_SECONDS
  value: {{ $runs.job.ttlSecondsAfterFinished | quote }}
- name: STAGELINE_NAMESPACE_TTL
  value: {{ $runs.namespaceTtl | quote }}
- name: STAGELINE_NAMESPACE_TTL_BY_ROLE
  value: {{ $runs.namespaceTtlByRole | toJson | quote }}
- name: STAGELINE_RUN_QUOTA_PODS
  value: {{ $runs.quota.pods | quote }}
- name: STAGELINE_RUN_LIMIT_RANGE
  value: {{ $runs.limitRange | toJson | quote }}
- name: STAGELINE_RUN_EGRESS
  value: {{ $runs.egress | toJson | quote }}
- name: STAGELINE_RUN_NAMESPACE_CLEANUP
  value: {{ $runs.namespaceCleanup | quote }}
- name: STAGELINE_NAMESPACE_LEASE_SWEEP_LIMIT
  value: {{ $runs.namespaceSweepLimit | quote }}
- name: STAGELINE_POD_FAILURE_GRACE
  value: {{ $runs.podFailureGrace | quote }}
- name: STAGELINE_RECONCILE_INTERVAL
  value: {{ .Values.reconcileInterval | quote }}
- name: STAGELINE_CLUSTER_AGENT_HEARTBEAT_INTERVAL
  value: {{ .Values.heartbeatInterval | quote }}
- name: STAGELINE_CLAIM_LIMIT
  value: {{ .Values.claimLimit | quote }}
- name: STAGELINE_MAX_RUNS
  value: {{ .Values.maxRuns | quote }}
- name: STAGELINE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Fails the render when no cluster-token source is set (also enforced by values.schema.json). */}}
{{- define "stageline-agent.requireToken" -}}
{{- if not (or .Values.clusterToken.existingSecret .Values.clusterToken.value) -}}
{{- fail "set clusterToken.existingSecret (recommended) or clusterToken.value" -}}
{{- end -}}
{{- end -}}
