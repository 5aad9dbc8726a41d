export * from './dynamo-client';
export * from './conditional-write';
export * from './page-cursor';
export * from './device-directory';
export * from './versioned-items';
export * from './batch-put';
