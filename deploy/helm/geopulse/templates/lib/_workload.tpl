{{/*
Generators of one service's objects, each called with (dict "ctx" $ "component" "<service>"),
like tempo-distributed's per-component templates.
*/}}

{{/* The component's own ConfigMap data: its port and its `config` map. */}}
{{- define "geopulse.componentConfig" -}}
{{- $g := .ctx.Values.global -}}
{{- $svc := index .ctx.Values .component -}}
PORT: {{ $svc.port | toString | quote }}
{{- if eq .component "notifier" }}
{{- if not $g.smtp.existingSecret }}
SMTP_URL: {{ $g.smtp.url | quote }}
{{- end }}
{{- with $g.smtp.from }}
SMTP_FROM: {{ . | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := $svc.config }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "geopulse.lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
data:
  {{- include "geopulse.componentConfig" . | nindent 2 }}
{{- end -}}

{{- define "geopulse.lib.deployment" -}}
{{- $ctx := .ctx -}}
{{- $d := $ctx.Values.defaults -}}
{{- $svc := index $ctx.Values .component -}}
{{- $name := include "geopulse.componentName" . -}}
{{- include "geopulse.validate" $ctx -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
spec:
  {{- if not (or $svc.autoscaling.hpa.enabled $svc.autoscaling.keda.enabled) }}
  replicas: {{ include "geopulse.replicas" . }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "geopulse.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "geopulse.componentLabels" . | nindent 8 }}
        {{- with $d.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ print (include "geopulse.sharedConfig" $ctx) (include "geopulse.componentConfig" .) | sha256sum }}
        {{- with $d.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "geopulse.serviceAccountName" $ctx }}
      automountServiceAccountToken: {{ $ctx.Values.serviceAccount.automountServiceAccountToken }}
      {{- with $ctx.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- toYaml $d.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $d.terminationGracePeriodSeconds }}
      {{- with $d.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "geopulse.image" . | quote }}
          imagePullPolicy: {{ $ctx.Values.global.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "geopulse.fullname" $ctx }}
            - configMapRef:
                name: {{ $name }}
          {{- $env := include "geopulse.secretEnv" $ctx | trim }}
          {{- $isNotifier := eq .component "notifier" }}
          {{- if or $env $svc.extraEnv $isNotifier }}
          env:
            {{- if $isNotifier }}
            # The live stream's consumer group is named after the pod (decision 0503).
            - name: NOTIFIER_STREAM_REPLICA_ID
              valueFrom:
                fieldRef: { fieldPath: metadata.name }
            {{- end }}
            {{- with $env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $svc.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          {{- range $probe := list "startupProbe" "livenessProbe" "readinessProbe" }}
          {{ $probe }}:
            {{- $p := deepCopy (index $d $probe) }}
            {{- $_ := set $p.httpGet "port" "http" }}
            {{- toYaml $p | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $d.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $d.tmpSizeLimit }}
      {{- with $d.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        - {{- toYaml . | nindent 10 }}
          labelSelector:
            matchLabels:
              {{- include "geopulse.selectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with $d.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $d.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $d.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "geopulse.lib.service" -}}
{{- $svc := index .ctx.Values .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
  {{- with .ctx.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .ctx.Values.service.type }}
  ports:
    - name: http
      port: {{ $svc.port }}
      targetPort: http
      protocol: TCP
  selector:
    {{- include "geopulse.selectorLabels" . | nindent 4 }}
{{- end -}}

{{- define "geopulse.lib.pdb" -}}
{{- $svc := index .ctx.Values .component -}}
{{- if gt (include "geopulse.minReplicas" . | int) 1 }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $svc.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "geopulse.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "geopulse.lib.hpa" -}}
{{- $hpa := (index .ctx.Values .component).autoscaling.hpa -}}
{{- if $hpa.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "geopulse.componentName" . }}
  minReplicas: {{ $hpa.minReplicas }}
  maxReplicas: {{ $hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $hpa.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/* KEDA on consumer lag of the service's group; at most the partition count unless told. */}}
{{- define "geopulse.lib.scaledobject" -}}
{{- $g := .ctx.Values.global -}}
{{- $keda := (index .ctx.Values .component).autoscaling.keda -}}
{{- $group := index (include "geopulse.consumerGroups" . | fromYaml) .component -}}
{{- if and $keda.enabled $group }}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ include "geopulse.componentName" . }}
  minReplicaCount: {{ $keda.minReplicas }}
  maxReplicaCount: {{ kindIs "invalid" $keda.maxReplicas | ternary $g.kafka.partitions $keda.maxReplicas }}
  pollingInterval: {{ $keda.pollingInterval }}
  triggers:
    - type: kafka
      metadata:
        bootstrapServers: {{ join "," $g.kafka.brokers | quote }}
        consumerGroup: {{ $group | quote }}
        lagThreshold: {{ $keda.lagThreshold | toString | quote }}
        allowIdleConsumers: {{ $keda.allowIdleConsumers | toString | quote }}
        {{- if eq $g.kafka.sasl.mechanism "aws-msk-iam" }}
        sasl: aws_msk_iam
        tls: enable
        awsRegion: {{ $g.aws.region | quote }}
        {{- else if eq $g.kafka.sasl.mechanism "scram-sha-512" }}
        sasl: scram_sha512
        {{- if $g.kafka.ssl }}
        tls: enable
        {{- end }}
        {{- else if $g.kafka.ssl }}
        tls: enable
        {{- end }}
      {{- with $keda.authenticationRef }}
      authenticationRef:
        name: {{ . }}
      {{- end }}
{{- end }}
{{- end -}}

{{- define "geopulse.lib.servicemonitor" -}}
{{- if .ctx.Values.serviceMonitor.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
    {{- with .ctx.Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "geopulse.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ .ctx.Values.serviceMonitor.interval }}
{{- end }}
{{- end -}}

{{- define "geopulse.lib.networkpolicy" -}}
{{- if .ctx.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "geopulse.componentName" . }}
  labels:
    {{- include "geopulse.componentLabels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "geopulse.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: http
      from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .ctx.Release.Name }}
        {{- with .ctx.Values.networkPolicy.ingressFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}
{{- end -}}
