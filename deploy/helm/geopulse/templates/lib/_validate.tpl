{{/*
Refuses to render what could not run, with one message per problem: the services would
otherwise start and stop again with a config error.
*/}}
{{- define "geopulse.validate" -}}
{{- $g := .Values.global -}}
{{- $problems := list -}}
{{- if and (not $g.auth.existingSecret) (not $g.auth.jwksUrl) -}}
{{- $problems = append $problems "operator JWTs: set global.auth.existingSecret (an existing Secret holding the HS256 secret under global.auth.jwtSecretKey) or global.auth.jwksUrl (production OIDC); there is no default secret" -}}
{{- end -}}
{{- if empty $g.kafka.brokers -}}
{{- $problems = append $problems "global.kafka.brokers is empty: list the bootstrap brokers as host:port" -}}
{{- end -}}
{{- if and (eq $g.kafka.sasl.mechanism "scram-sha-512") (not $g.kafka.sasl.existingSecret) -}}
{{- $problems = append $problems "global.kafka.sasl.mechanism=scram-sha-512 needs global.kafka.sasl.existingSecret (a Secret with the SCRAM user and password)" -}}
{{- end -}}
{{- if and (eq $g.kafka.sasl.mechanism "aws-msk-iam") (not $g.kafka.ssl) -}}
{{- $problems = append $problems "global.kafka.sasl.mechanism=aws-msk-iam needs global.kafka.ssl=true (MSK serves IAM on its TLS listener)" -}}
{{- end -}}
{{- if and (not $g.redis.url) (not $g.redis.existingSecret) -}}
{{- $problems = append $problems "Redis: set global.redis.url or global.redis.existingSecret (a Secret holding the URL with its AUTH password)" -}}
{{- end -}}
{{- if and (not $g.smtp.url) (not $g.smtp.existingSecret) -}}
{{- $problems = append $problems "notifier mail: set global.smtp.url or global.smtp.existingSecret (a Secret holding the SMTP URL with its credentials)" -}}
{{- end -}}
{{- if not $g.aws.region -}}
{{- $problems = append $problems "global.aws.region is empty: the AWS region of DynamoDB, e.g. eu-west-1" -}}
{{- end -}}
{{- range $component := list "ingest" "aggregator" "rules" "geo" "notifier" -}}
{{- $a := (index $.Values $component).autoscaling -}}
{{- if and $a.hpa.enabled $a.keda.enabled -}}
{{- $problems = append $problems (printf "%s.autoscaling: hpa and keda are both enabled; enable one of them" $component) -}}
{{- end -}}
{{- if and $a.keda.enabled (eq $component "ingest") -}}
{{- $problems = append $problems "ingest.autoscaling.keda: ingest consumes no topic, there is no lag to scale on; use ingest.autoscaling.hpa" -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n\ngeopulse: cannot install:\n  - %s\n" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
