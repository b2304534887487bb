/** Typed data operations: Insert, Merge, Update, DeleteRows, Query as bound DuckDB statements (docs/design/typed-operations.md). */
export { PREDICATE_OPS, compilePredicate, type Predicate, type PredicateOp } from './predicate.ts';
export { columnParam } from './column-values.ts';
export { SqlBuilder, type TypedTable } from './sql-builder.ts';
export { insertStatement, mergeStatement, updateStatement, deleteStatement, queryStatement, type OrderBy, type QuerySpec, type Row, type TypedStatement } from './typed-statements.ts';
export {
  insertRows, mergeRows, updateRows, deleteRows, queryRows, typedStatementOf,
  type TypedEngine, type InsertRowsRequest, type MergeRowsRequest, type UpdateRowsRequest, type DeleteRowsRequest, type QueryRowsRequest,
} from './typed-operations.ts';
