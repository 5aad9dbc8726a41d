// @geopulse/testing: real servers for integration tests, started as plain processes (no Docker).
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
export { waitFor, type WaitForOptions } from './wait-for';
export { freePort, freePorts } from './process/free-port';
export { ServiceProcess, type ServiceExit, type ServiceProcessOptions } from './service-process';
export { readTopic, type ReadTopicOptions, type TopicRecord } from './clients/read-topic';
export { SmtpSinkClient } from './clients/smtp-sink-client';
export { OtlpQueryClient } from './clients/otlp-query-client';
export type { ReceivedMail } from './servers/received-mail';
export type { AttributeValue, CollectedSpan, CollectedSpanEvent, SpanKindName, StatusCodeName } from './servers/otlp-json';
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
