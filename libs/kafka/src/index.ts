export * from './kafka-client';
export * from './event-producer';
export * from './batch-consumer';
export * from './topic-provisioner';
export * from './kafka-health';
export { headersToStrings } from './records';
export type { Kafka } from 'kafkajs';
export * from './reading-events';
export * from './compacted-records';
