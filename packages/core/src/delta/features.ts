/**
 * Protocol gate: which Delta tables this implementation may read and write.
 *
 * Reading: reader version 1; reader version 2 only when column mapping is off (mode absent or
 * `none`); reader version 3 when every reader feature is in READABLE_FEATURES (features that ask
 * nothing of a reader, and `timestampNtz`: Parquet timestamps with isAdjustedToUTC=false, which
 * DuckDB reads as TIMESTAMP, and partition values / stats without a zone). Anything else —
 * deletion vectors, column mapping, v2 checkpoints, variant, type widening, unknown features or
 * versions — is refused with
 * ERR_DELTA_UNSUPPORTED_FEATURE naming the feature, never read wrongly. The check runs against the
 * protocol and metadata of the version being read (a table may become unreadable later).
 *
 * Writing: protocol (1,≤4) or writer 7 whose writerFeatures are all in WRITABLE_FEATURES. The
 * duties are the writer's: appendOnly and invariants (2; write-guards.ts), CHECK constraints (3),
 * which every k3 write path enforces, the Change Data Feed (4), written by the Transaction;
 * generated columns (4) make the table read-only.
 */
import { AppError } from '../errors/index.ts';
import type { Metadata, Protocol } from './actions.ts';
import type { DataType, StructType } from './schema.ts';

/** Reader features k3 implements (vacuumProtocolCheck asks nothing of a reader that does not vacuum). */
export const READABLE_FEATURES: ReadonlySet<string> = new Set(['vacuumProtocolCheck', 'timestampNtz']);
export const MAX_READER_VERSION = 3;
/** Writer 3 (CHECK constraints, enforced) and 4 (Change Data Feed, written; generated columns, refused when present). */
export const MAX_WRITER_VERSION = 4;
/** Writer features k3 implements (a writer-7 table with only these is writable). */
export const WRITABLE_FEATURES: ReadonlySet<string> = new Set(['appendOnly', 'checkConstraints', 'changeDataFeed']);

function refuse(feature: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', message, { feature, ...extra });
}

function findType(t: DataType, wanted: ReadonlySet<string>): string | undefined {
  if (typeof t === 'string') return wanted.has(t) ? t : undefined;
  switch (t.type) {
    case 'struct': for (const f of t.fields) { const hit = findType(f.type, wanted); if (hit) return hit; } return undefined;
    case 'array': return findType(t.elementType, wanted);
    case 'map': return findType(t.keyType, wanted) ?? findType(t.valueType, wanted);
    default: return undefined;
  }
}

const TYPE_FEATURES: Record<string, string> = { variant: 'variantType' };

/** Throws ERR_DELTA_UNSUPPORTED_FEATURE unless this reader can read a table with this protocol. */
export function assertReadable(protocol: Protocol, metadata?: Metadata, schema?: StructType): void {
  const rv = protocol.minReaderVersion;
  if (!Number.isInteger(rv) || rv < 1 || rv > MAX_READER_VERSION) {
    throw refuse(`readerVersion${rv}`, `The table requires Delta reader version ${rv}; k3 reads versions 1 to ${MAX_READER_VERSION}. Upgrade k3 or read the table with an engine that supports it.`, { minReaderVersion: rv });
  }
  if (rv === 3) {
    const unsupported = (protocol.readerFeatures ?? []).filter((f) => !READABLE_FEATURES.has(f));
    const [first] = unsupported;
    if (first !== undefined) {
      const names = unsupported.map((f) => `"${f}"`).join(', ');
      throw refuse(first, `The table uses the Delta reader feature${unsupported.length > 1 ? 's' : ''} ${names}, which k3 does not implement; read it with an engine that supports ${names}.`, { features: unsupported });
    }
  }
  const mode = metadata?.configuration?.['delta.columnMapping.mode'];
  if (mode !== undefined && mode !== null && mode !== 'none') {
    throw refuse('columnMapping', `The table uses Delta column mapping (mode "${mode}"), which k3 does not implement.`, { mode });
  }
  // Reader version 2 exists for column mapping; with the mode absent or `none` the data files use
  // the logical column names, so such a table reads like a version-1 table.
  if (schema !== undefined) {
    const t = findType(schema, new Set(Object.keys(TYPE_FEATURES)));
    if (t !== undefined) {
      const feature = TYPE_FEATURES[t] ?? t;
      throw refuse(feature, `The table schema uses the type "${t}" (Delta feature "${feature}"), which k3 does not implement.`);
    }
  }
}

/** Throws ERR_DELTA_UNSUPPORTED_FEATURE unless k3 may commit to a table with this protocol. */
export function assertWritable(protocol: Protocol): void {
  const wv = protocol.minWriterVersion;
  const wf = protocol.writerFeatures ?? [];
  const featuresOk = wv === 7 && wf.every((f) => WRITABLE_FEATURES.has(f));
  if (!featuresOk && (!Number.isInteger(wv) || wv < 1 || wv > MAX_WRITER_VERSION)) {
    throw refuse(`writerVersion${wv}`, `The table requires Delta writer version ${wv}; k3 writes only tables with writer version ≤ ${MAX_WRITER_VERSION}. The table is read-only for k3.`, { minWriterVersion: wv });
  }
  if (!featuresOk && wf.length > 0) {
    throw refuse(wf[0] ?? 'writerFeatures', `The table declares Delta writer features (${wf.join(', ')}), which k3 does not implement; the table is read-only for k3.`, { writerFeatures: wf });
  }
  if (protocol.minReaderVersion > 1) {
    throw refuse(`readerVersion${protocol.minReaderVersion}`, `The table requires Delta reader version ${protocol.minReaderVersion}; k3 writes only reader-version-1 tables. The table is read-only for k3.`);
  }
}
