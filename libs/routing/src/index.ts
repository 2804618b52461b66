export * from './region';
export * from './recipients';
