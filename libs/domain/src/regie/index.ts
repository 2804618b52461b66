export * from './family-state';
export * from './decision-table';
export * from './rules';
export * from './working-days';
export * from './organisation';
