export * from './result.ts';
export * from './version.ts';
export * from './run-status.ts';
export * from './label-syntax.ts';
export * from './run-naming.ts';
export * from './label-catalog.ts';
export * from './evaluate-trigger.ts';
export * from './transition-run.ts';
