export * from './contracts';
export * from './decode';
export * from './schema-error';
export * from './generated';
export * from './free-text';
