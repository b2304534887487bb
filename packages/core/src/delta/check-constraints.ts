/**
 * Delta CHECK constraints (PROTOCOL.md "Check Constraints"): table configuration entries
 * `delta.constraints.<name>` = a boolean SQL expression every row must satisfy (NULL passes, as in
 * SQL and DuckDB). Writer version 3 (legacy) or the writer feature `checkConstraints` obliges a
 * writer to enforce them; k3 raises a new table's protocol to (1,3) only when it has constraints,
 * so tables without them stay (1,2). Names are stored lower-cased (Delta treats them
 * case-insensitively). The expressions k3 writes are DuckDB's canonical text of the CHECK.
 */
import type { Metadata, Protocol } from './actions.ts';
import { K3_TABLE_PROTOCOL } from './table-metadata.ts';

export const CONSTRAINT_PREFIX = 'delta.constraints.';

export interface CheckConstraint {
  /** Lower-cased constraint name (the key after `delta.constraints.`). */
  readonly name: string;
  readonly expression: string;
}

export function checkConstraintsOf(metadata: Pick<Metadata, 'configuration'>): CheckConstraint[] {
  const out: CheckConstraint[] = [];
  for (const [key, value] of Object.entries(metadata.configuration ?? {})) {
    if (key.toLowerCase().startsWith(CONSTRAINT_PREFIX) && typeof value === 'string') out.push({ name: key.slice(CONSTRAINT_PREFIX.length).toLowerCase(), expression: value });
  }
  return out;
}

export function constraintConfiguration(checks: readonly CheckConstraint[]): Record<string, string> {
  return Object.fromEntries(checks.map((c) => [`${CONSTRAINT_PREFIX}${c.name.toLowerCase()}`, c.expression]));
}

/** The protocol of a new table: (1,2), or (1,3) when it has CHECK constraints. */
export function protocolForNewTable(checks: readonly CheckConstraint[]): Protocol {
  return checks.length > 0 ? { minReaderVersion: 1, minWriterVersion: 3 } : { ...K3_TABLE_PROTOCOL };
}
