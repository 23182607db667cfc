{{/*
The chart name, truncated to the 63 characters Kubernetes allows.
*/}}
{{- define "alertgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: the release name, with the chart
name appended unless the release name already contains it.
*/}}
{{- define "alertgate.fullname" -}}
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

{{- define "alertgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "alertgate.labels" -}}
helm.sh/chart: {{ include "alertgate.chart" . }}
app.kubernetes.io/part-of: alertgate
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels of the alertgate pods.
*/}}
{{- define "alertgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alertgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{/*
Selector labels of the in-chart Redis pod.
*/}}
{{- define "alertgate.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "alertgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "alertgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "alertgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret holding the environment variables the configuration references.
*/}}
{{- define "alertgate.secretName" -}}
{{- if .Values.secrets.create }}
{{- include "alertgate.fullname" . }}
{{- else }}
{{- required "secrets.existingSecret is required when secrets.create is false" .Values.secrets.existingSecret }}
{{- end }}
{{- end }}

{{/*
The Redis address given to alertgate as ALERTGATE_REDIS_ADDRESS.
*/}}
{{- define "alertgate.redisAddress" -}}
{{- if .Values.redis.enabled }}
{{- printf "%s-redis:6379" (include "alertgate.fullname" .) }}
{{- else }}
{{- .Values.externalRedis.address }}
{{- end }}
{{- end }}

{{- define "alertgate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
