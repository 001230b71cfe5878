{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "trackly-authz.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name of every object. */}}
{{- define "trackly-authz.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "trackly-authz.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trackly-authz.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "trackly-authz.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "trackly-authz.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Refuses values that would deploy something broken. */}}
{{- define "trackly-authz.checks" -}}
{{- if and (not .Values.redis.url) (not .Values.redis.existingSecret) (not .Values.allowInMemoryStore) }}
{{- fail "set redis.url or redis.existingSecret: the in-memory store is not shared between replicas (allowInMemoryStore=true for a demo)" }}
{{- end }}
{{- if and .Values.allowInMemoryStore (not .Values.redis.url) (not .Values.redis.existingSecret) (gt (int .Values.replicaCount) 1) }}
{{- fail "the in-memory store needs replicaCount=1 (every replica would have its own team data)" }}
{{- end }}
{{- $drain := add (int .Values.preStop.sleepSeconds) (int .Values.config.shutdownGraceSecs) }}
{{- if le (int .Values.terminationGracePeriodSeconds) $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStop.sleepSeconds + config.shutdownGraceSecs (%d)" (int .Values.terminationGracePeriodSeconds) $drain) }}
{{- end }}
{{- end }}
