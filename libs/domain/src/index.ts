export * from './bsn';
export * from './ids';
export * from './roles';
export * from './regie';
export * from './consent';
export * from './involvement';
