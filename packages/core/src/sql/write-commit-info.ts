/**
 * The Delta commitInfo of a DML write: operation names, parameters and metrics as Spark and
 * delta-rs write them (WRITE / UPDATE / DELETE / MERGE), so `DESCRIBE HISTORY`-style tools and the
 * History API show familiar numbers. Predicates are the statement's own WHERE / ON text.
 */
import type { CommitRequest } from '../delta/index.ts';
import type { PrePassed } from './pre-pass.ts';
import { clauseText, type DmlShape } from './route-write.ts';
import type { DiffResult } from './write-target.ts';

export interface WriteNumbers {
  rowsChanged: number;
  diff: DiffResult;
  addedFiles: number;
  addedBytes: number;
  removedBytes: number;
  /** Rows the rewritten files held before the statement. */
  rewrittenRows: number;
}

export function writeCommitRequest(statement: PrePassed, shape: DmlShape, partitionColumns: readonly string[], n: WriteNumbers): CommitRequest {
  const { sql, tokens } = statement;
  const removedFiles = n.diff.affected.length;
  const survivors = n.rewrittenRows - n.diff.deletedRows;
  switch (shape.verb) {
    case 'INSERT':
      return {
        operation: 'WRITE',
        operationParameters: { mode: 'Append', partitionBy: JSON.stringify(partitionColumns) },
        operationMetrics: { numFiles: n.addedFiles, numOutputRows: n.diff.insertedRows, numOutputBytes: n.addedBytes },
      };
    case 'UPDATE':
      return {
        operation: 'UPDATE',
        operationParameters: { predicate: JSON.stringify([clauseText(sql, tokens, 'WHERE', ['RETURNING']) ?? 'true']) },
        operationMetrics: {
          numUpdatedRows: n.rowsChanged, numCopiedRows: Math.max(0, survivors - n.diff.changedRows),
          numAddedFiles: n.addedFiles, numRemovedFiles: removedFiles, numAddedBytes: n.addedBytes, numRemovedBytes: n.removedBytes,
        },
      };
    case 'DELETE':
    case 'TRUNCATE':
      return {
        operation: 'DELETE',
        operationParameters: { predicate: JSON.stringify([shape.verb === 'TRUNCATE' ? 'true' : clauseText(sql, tokens, 'WHERE', ['RETURNING']) ?? 'true']) },
        operationMetrics: {
          numDeletedRows: n.diff.deletedRows, numCopiedRows: Math.max(0, survivors),
          numAddedFiles: n.addedFiles, numRemovedFiles: removedFiles, numAddedBytes: n.addedBytes, numRemovedBytes: n.removedBytes,
        },
      };
    case 'MERGE': {
      const updated = Math.max(0, n.rowsChanged - n.diff.insertedRows - n.diff.deletedRows);
      return {
        operation: 'MERGE',
        operationParameters: { predicate: JSON.stringify(clauseText(sql, tokens, 'ON', ['WHEN']) ?? '') },
        operationMetrics: {
          numTargetRowsInserted: n.diff.insertedRows, numTargetRowsUpdated: updated, numTargetRowsDeleted: n.diff.deletedRows,
          numTargetRowsCopied: Math.max(0, survivors - n.diff.changedRows), numOutputRows: Math.max(0, survivors) + n.diff.insertedRows,
          numTargetFilesAdded: n.addedFiles, numTargetFilesRemoved: removedFiles,
        },
      };
    }
  }
}
