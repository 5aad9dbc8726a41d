export * from './topics';
export * from './event-types';
export * from './tables';
export * from './cloudevents';
export * from './json-body';
export * from './reading';
export * from './api-error';
export * from './aggregate';
