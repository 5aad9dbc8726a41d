export * from './dynamo-client';
export * from './conditional-write';
