{{/* Environment of every geopulse container that talks to Kafka: secrets by reference only. */}}
{{- define "geopulse.secretEnv" -}}
{{- $g := .Values.global -}}
{{- if $g.auth.existingSecret }}
- name: GEOPULSE_JWT_SECRET
  valueFrom:
    secretKeyRef: { name: {{ $g.auth.existingSecret | quote }}, key: {{ $g.auth.jwtSecretKey | quote }} }
{{- end }}
{{- if eq $g.kafka.sasl.mechanism "scram-sha-512" }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef: { name: {{ $g.kafka.sasl.existingSecret | quote }}, key: {{ $g.kafka.sasl.usernameKey | quote }} }
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $g.kafka.sasl.existingSecret | quote }}, key: {{ $g.kafka.sasl.passwordKey | quote }} }
{{- end }}
{{- if $g.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef: { name: {{ $g.redis.existingSecret | quote }}, key: {{ $g.redis.existingSecretKey | quote }} }
{{- end }}
{{- if $g.smtp.existingSecret }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef: { name: {{ $g.smtp.existingSecret | quote }}, key: {{ $g.smtp.existingSecretKey | quote }} }
{{- end }}
{{- end -}}

{{/* The Kafka variables alone (the topic hook runs before the release's ConfigMap exists). */}}
{{- define "geopulse.kafkaEnv" -}}
{{- $k := .Values.global.kafka -}}
KAFKA_BROKERS: {{ join "," $k.brokers | quote }}
KAFKA_TOPIC_PREFIX: {{ $k.topicPrefix | quote }}
KAFKA_SSL: {{ $k.ssl | toString | quote }}
KAFKA_PARTITIONS: {{ $k.partitions | toString | quote }}
KAFKA_REPLICATION_FACTOR: {{ $k.replicationFactor | toString | quote }}
{{- if $k.sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ $k.sasl.mechanism | quote }}
{{- end }}
AWS_REGION: {{ .Values.global.aws.region | quote }}
{{- end -}}

{{/* The shared ConfigMap's data: every non-secret platform setting. */}}
{{- define "geopulse.sharedConfig" -}}
{{- $g := .Values.global -}}
{{ include "geopulse.kafkaEnv" . }}
KAFKA_PROVISION_TOPICS: {{ (not $g.kafka.topics.provision) | toString | quote }}
{{- if not $g.redis.existingSecret }}
REDIS_URL: {{ $g.redis.url | quote }}
{{- end }}
{{- with $g.dynamodb.endpoint }}
DYNAMODB_ENDPOINT: {{ . | quote }}
{{- end }}
DYNAMODB_TABLE_PREFIX: {{ $g.dynamodb.tablePrefix | quote }}
{{- with $g.auth.jwksUrl }}
GEOPULSE_JWT_JWKS_URL: {{ . | quote }}
{{- end }}
{{- with $g.auth.issuer }}
GEOPULSE_JWT_ISSUER: {{ . | quote }}
{{- end }}
{{- with $g.auth.audience }}
GEOPULSE_JWT_AUDIENCE: {{ . | quote }}
{{- end }}
{{- with (include "geopulse.otlpEndpoint" .) }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
OTEL_TRACES_SAMPLER_ARG: {{ $g.tracing.samplerRatio | toString | quote }}
LOG_LEVEL: {{ $g.logLevel | quote }}
{{- end -}}
