export * from './tracing';
export * from './trace-headers';
export * from './logger';
export * from './metrics';
export * from './span-attributes';
