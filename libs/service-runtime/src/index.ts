export * from './api-exception';
export * from './api-exception.filter';
export * from './health.controller';
export * from './bootstrap';
export * from './platform.providers';
export * from './platform.module';
export * from './kafka-batch.transport';
export * from './start-up';
