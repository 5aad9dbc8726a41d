export * from './access-policy';
export * from './audit-log';
export * from './authorizer';
export * from './operator-token';
export * from './operator.guard';
export * from './openapi-actions';
export * from './required-action';
