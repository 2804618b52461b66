export * from './involvement';
