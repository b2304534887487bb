export * from './errors/index.ts';
export * from './config/index.ts';
