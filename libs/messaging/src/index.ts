export * from './topics';
export * from './kafka';
export * from './webhook-signature';
