export * from './frames.ts';
export * from './codec.ts';
