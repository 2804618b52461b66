export * from './data-source';
export * from './family.store';
export * from './inbox.store';
export * from './outbox.store';
export * from './audit.store';
export * from './regie.store';
