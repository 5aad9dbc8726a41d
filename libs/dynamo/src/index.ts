export * from './dynamo-client';
