{{- define "stageline-agent.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "stageline-agent.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: stageline
{{- end -}}

{{- define "stageline-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "stageline-agent.tokenSecret" -}}
{{- if .Values.clusterToken.existingSecret -}}{{ .Values.clusterToken.existingSecret }}{{- else -}}{{ include "stageline-agent.fullname" . }}-token{{- end -}}
{{- end -}}
