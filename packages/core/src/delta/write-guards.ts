/**
 * Writer-side protocol duties checked before a commit is attempted (PROTOCOL.md "Writer Version
 * Requirements"): the table's protocol must be one k3 writes (`assertWritable`, reader half);
 * writer version 2 asks for `delta.appendOnly` (no data-changing removes) and column invariants
 * (`delta.invariants`), which k3 cannot evaluate, so such tables are read-only for k3. Writer 3's
 * CHECK constraints (`delta.constraints.*`) are enforced by every k3 write path (the data file
 * writer and keyed writes, check-constraints.ts). Writer 4's generated columns
 * (`delta.generationExpression`) are not evaluable: read-only. Writer 4's Change Data Feed is
 * written by the Transaction (its change-data stager).
 */
import { AppError } from '../errors/index.ts';
import type { Metadata, Protocol } from './actions.ts';
import { assertWritable } from './features.ts';
import type { StructType } from './schema.ts';

export function assertCommitAllowed(protocol: Protocol, metadata: Metadata, schema: StructType, removesData: boolean): void {
  assertWritable(protocol);
  const withInvariant = schema.fields.find((f) => f.metadata?.['delta.invariants'] !== undefined);
  if (withInvariant !== undefined) {
    throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `Column "${withInvariant.name}" has a Delta invariant (delta.invariants), which k3 cannot enforce; the table is read-only for k3.`, { feature: 'invariants', column: withInvariant.name });
  }
  const generated = schema.fields.find((f) => f.metadata?.['delta.generationExpression'] !== undefined);
  if (generated !== undefined) {
    throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `Column "${generated.name}" is a Delta generated column, which k3 cannot compute; the table is read-only for k3.`, { feature: 'generatedColumns', column: generated.name });
  }
  const appendOnly = (metadata.configuration?.['delta.appendOnly'] ?? '').toLowerCase() === 'true';
  if (appendOnly && removesData) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'The table is append-only (delta.appendOnly=true): rows cannot be deleted or updated. Only INSERT is allowed.', { feature: 'appendOnly' });
  }
}
