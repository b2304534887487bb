/** Pure partial states and merges for federated queries (docs/design/query-planning.md). */
export * from './value.ts';
export * from './count.ts';
export * from './sum.ts';
export * from './avg.ts';
export * from './welford.ts';
export * from './bool.ts';
export * from './any-value.ts';
export * from './arg-min-max.ts';
export * from './single-value.ts';
export * from './top-k.ts';
export * from './aggregate-kinds.ts';
export * from './group-reducer.ts';
export * from './scan-merger.ts';
