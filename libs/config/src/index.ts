export * from './env-schema';
export * from './platform-config';
