/**
 * Which auth action (and so which scope) a statement needs, from the engine's own classification
 * of it — the pre-pass shape of the analysed statement and the maintenance command — never from a
 * separate look at the text. Statements classified `other` are reads or are refused later by
 * DuckDB's prepared statementType (assertReadable), so `select` is enough to let them reach that
 * refusal.
 */
import type { Action } from '../auth/index.ts';
import type { MaintenanceCommand } from '../maintenance/maintenance-sql.ts';
import type { StatementShape } from './pre-pass.ts';

export function statementAction(shape: StatementShape): Action {
  switch (shape.kind) {
    case 'create-table':
    case 'create-other':
    case 'alter-table':
    case 'drop-table':
    case 'drop-other':
      return 'ddl';
    case 'dml':
      return 'dml';
    case 'show-tables':
      return 'list';
    case 'describe-table':
    case 'describe-query':
      return 'describe';
    case 'other':
      return 'select';
  }
}

export function maintenanceAction(command: MaintenanceCommand): Action {
  return command.kind;
}
