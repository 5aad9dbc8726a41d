export * from './operator-token';
export * from './operator.guard';
