export * from './region';
export * from './recipients';
export * from './region-diff';
export * from './regie-of-record';
export * from './explain';
export * from './replay';
export * from './asyncapi';
export * from './involvement';
