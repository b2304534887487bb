/** Query planning for federated reads: DuckDB AST helpers, splitting, pruning, strategy choice (docs/design/query-planning.md). */
export * from './select-ast.ts';
export * from './ast-walk.ts';
export { readShape, isUnsplittable, type QueryShape, type Unsplittable } from './query-shape.ts';
export { splitAggregate, hasAggregates, PARTITION_VIEW, MERGED_RELATION, type SplitAggregatePlan, type SplitContext } from './split-aggregate.ts';
export { splitScan, SCAN_RELATION, type SplitScanPlan, type ScanContext } from './split-scan.ts';
export { pruneFiles, conjuncts, type PruneResult, type PartitionGroup, type PrunableSnapshot } from './prune.ts';
export { planFederated, type FederatedPlan, type FederatedJob, type FederateThresholds, type FederatableSnapshot } from './federate.ts';
export { toReduceValue, typedLiteral, loadRelation, withRelationCte } from './merged-relation.ts';
export { answerPlainFinal, MAX_PLAIN_ROWS, plainFinalOf, type PlainFinal } from './plain-final.ts';
export { outputName, outputNames } from './output-names.ts';
export { substituteParameters, type PlanParam } from './bind-parameters.ts';
