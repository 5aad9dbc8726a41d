{{/* Names, labels and the values every generator needs. */}}

{{- define "geopulse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "geopulse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>; call with (dict "ctx" $ "component" "ingest"). */}}
{{- define "geopulse.componentName" -}}
{{- printf "%s-%s" (include "geopulse.fullname" .ctx | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "geopulse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "geopulse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: geopulse
{{- end -}}

{{/* Selector labels of one component; (dict "ctx" $ "component" "ingest"). */}}
{{- define "geopulse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "geopulse.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "geopulse.componentLabels" -}}
{{ include "geopulse.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "geopulse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "geopulse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image of a service: (dict "ctx" $ "component" "ingest"). */}}
{{- define "geopulse.image" -}}
{{- $img := .ctx.Values.global.image -}}
{{- printf "%s/%s:%s" $img.repository .component (default .ctx.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/*
The services that consume partitioned topics, with their consumer group: the group's name with
the topic prefix, as the services name it (libs/contracts consumerGroupName).
*/}}
{{- define "geopulse.consumerGroups" -}}
{{- $p := .ctx.Values.global.kafka.topicPrefix -}}
aggregator: {{ printf "%sgeopulse-aggregator" $p | quote }}
rules: {{ printf "%sgeopulse-rules" $p | quote }}
geo: {{ printf "%sgeopulse-geo" $p | quote }}
notifier: {{ printf "%sgeopulse-notifier" $p | quote }}
{{- end -}}

{{/*
Replicas of a service when autoscaling is off: its `replicas`, or for a consumer the partition
count. (dict "ctx" $ "component" "aggregator")
*/}}
{{- define "geopulse.replicas" -}}
{{- $svc := index .ctx.Values .component -}}
{{- if kindIs "invalid" $svc.replicas -}}
{{- if hasKey (include "geopulse.consumerGroups" . | fromYaml) .component -}}
{{- .ctx.Values.global.kafka.partitions -}}
{{- else -}}
1
{{- end -}}
{{- else -}}
{{- $svc.replicas -}}
{{- end -}}
{{- end -}}

{{/* Least pods of a service in any mode: decides whether a PDB makes sense. */}}
{{- define "geopulse.minReplicas" -}}
{{- $svc := index .ctx.Values .component -}}
{{- if $svc.autoscaling.hpa.enabled -}}
{{- $svc.autoscaling.hpa.minReplicas -}}
{{- else if $svc.autoscaling.keda.enabled -}}
{{- $svc.autoscaling.keda.minReplicas -}}
{{- else -}}
{{- include "geopulse.replicas" . -}}
{{- end -}}
{{- end -}}

{{/* OTLP URL of the development Jaeger's OTLP endpoint, or the configured one. */}}
{{- define "geopulse.otlpEndpoint" -}}
{{- if .Values.jaeger.enabled -}}
{{- printf "http://%s:4318" (include "geopulse.componentName" (dict "ctx" . "component" "jaeger")) -}}
{{- else -}}
{{- .Values.global.tracing.otlpEndpoint -}}
{{- end -}}
{{- end -}}

{{/* `host:port` of each service for `helm test`: tests.endpoints, else the Service's DNS name. */}}
{{- define "geopulse.testTargets" -}}
{{- $targets := list -}}
{{- range $component := list "ingest" "aggregator" "rules" "geo" "notifier" -}}
{{- $default := printf "%s.%s.svc:%v" (include "geopulse.componentName" (dict "ctx" $ "component" $component)) $.Release.Namespace (index $.Values $component).port -}}
{{- $targets = append $targets (get $.Values.tests.endpoints $component | default $default) -}}
{{- end -}}
{{- join "," $targets -}}
{{- end -}}
