// @geopulse/testing: real servers for integration tests, started as plain processes or, with
// GEOPULSE_HARNESS=containers, in Docker containers through testcontainers (decision 0012).
export { COMPONENT_NAMES, type ComponentName, type ComponentPorts } from './components/component';
export {
  componentControl,
  isStackRunning,
  loadStack,
  stackStatus,
  startStack,
  stopStack,
  type ComponentControl,
  type ComponentStatus,
  type StackHandle,
  type StartStackOptions,
} from './stack';
export { readStackState, type ComponentState, type StackState } from './stack-state';
export { harnessBackend, type HarnessBackend } from './harness';
export { waitFor, type WaitForOptions } from './wait-for';
export { freePort, freePorts } from './process/free-port';
export { ServiceProcess, type ServiceExit, type ServiceProcessOptions } from './service-process';
export { readTopic, type ReadTopicOptions, type TopicRecord } from './clients/read-topic';
export { TopicTail, type TopicTailOptions } from './clients/topic-tail';
export { ConsumerLag, type GroupLag, type PartitionLag } from './clients/consumer-lag';
export { SmtpSinkClient } from './clients/smtp-sink-client';
export { JaegerClient, type FindTracesQuery } from './clients/jaeger-client';
export type { ReceivedMail } from './servers/received-mail';
export type { AttributeValue, CollectedSpan, CollectedSpanEvent, SpanKindName, StatusCodeName } from './clients/otlp-json';
export { repoRoot } from './package-paths';
export type { KafkaComponentOptions } from './components/kafka.component';
export type { ScramUser } from './components/kafka-config';
export {
  auditLinesMatching,
  type AuditLine,
  authorizationMismatches,
  BAD_TOKEN_ANSWERS,
  callRoute,
  OperatorTokens,
  operatorRoutes,
  roleMayPerform,
  routeKey,
  type BadToken,
  type OperatorRoute,
  type RoleName,
  type RouteCall,
  type RouteRecipe,
} from './clients/authorization-matrix';
export {
  PIPELINE_GROUPS,
  PIPELINE_SERVICES,
  pipelineLag,
  scrapeMetric,
  startPipeline,
  waitReady,
  type ConsumerService,
  type PipelineService,
  type StartPipelineOptions,
} from './pipeline';
