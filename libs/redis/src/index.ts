export * from './redis-client';
export * from './keys';
