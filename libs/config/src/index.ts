export * from './repo-root';
export * from './hub-config';
