export * from './schema/clusters.ts';
export * from './schema/projects.ts';
export * from './schema/repositories.ts';
export * from './schema/webhook-deliveries.ts';
export * from './schema/agent-runs.ts';
export * from './schema/flow-events.ts';
export * from './schema/run-log-chunks.ts';
export * from './schema/realtime-events.ts';
