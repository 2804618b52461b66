export * from './region';
export * from './recipients';
export * from './region-diff';
