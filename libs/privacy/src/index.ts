export * from './bsn-vault';
export * from './pseudonymise';
export * from './sealed-payload';
