export * from './bsn-vault';
export * from './pseudonymise';
