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
 * Writing: protocol (1,≤4), or writer 7 whose writerFeatures are all in WRITABLE_FEATURES with
 * reader 1 or reader 3 whose readerFeatures are all writable too (`timestampNtz`). The duties are
 * the writer's: appendOnly and invariants (2; write-guards.ts), CHECK constraints (3), which every
 * k3 write path enforces, the Change Data Feed (4), written by the Transaction; generated columns
 * (4) and invariants make the table read-only when a column uses them; timestampNtz asks only for
 * Parquet TIMESTAMP(isAdjustedToUTC=false) and zone-less partition values / stats.
 *
 * Upgrading (`mergeProtocol`): legacy versions imply features (writer 2: appendOnly, invariants;
 * 3: checkConstraints; 4: changeDataFeed, generatedColumns; 5: columnMapping; 6: identityColumns;
 * reader 2: columnMapping). Merging a legacy protocol with a table-features one lists the legacy
 * protocol's implied features explicitly (as Spark does), so nothing the old protocol promised is
 * dropped: a (1,2) table that gains a TIMESTAMP column becomes (3,7) with readerFeatures
 * [timestampNtz] and writerFeatures [appendOnly, invariants, timestampNtz].
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
export const WRITABLE_FEATURES: ReadonlySet<string> = new Set(['appendOnly', 'invariants', 'checkConstraints', 'changeDataFeed', 'generatedColumns', 'timestampNtz']);

/** Features implied by each legacy writer version (PROTOCOL.md "Table Features": legacy protocol versions). */
const LEGACY_WRITER_FEATURES: readonly (readonly [number, string])[] = [
  [2, 'appendOnly'], [2, 'invariants'], [3, 'checkConstraints'], [4, 'changeDataFeed'], [4, 'generatedColumns'], [5, 'columnMapping'], [6, 'identityColumns'],
];

function usesTableFeatures(p: Protocol): boolean {
  return p.minReaderVersion >= 3 || p.minWriterVersion >= 7;
}

function writerFeaturesOf(p: Protocol): string[] {
  if (p.minWriterVersion >= 7) return [...(p.writerFeatures ?? [])];
  return LEGACY_WRITER_FEATURES.filter(([v]) => p.minWriterVersion >= v).map(([, f]) => f);
}

function readerFeaturesOf(p: Protocol): string[] {
  if (p.minReaderVersion >= 3) return [...(p.readerFeatures ?? [])];
  return p.minReaderVersion >= 2 ? ['columnMapping'] : [];
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/**
 * The protocol that supports everything `base` and `needed` support, or undefined when `base`
 * already does. Legacy + legacy stays legacy (the larger versions); otherwise the result uses
 * table features (reader 3 when any reader feature is needed, writer 7) with the legacy side's
 * implied features listed.
 */
export function mergeProtocol(base: Protocol, needed: Protocol): Protocol | undefined {
  if (!usesTableFeatures(base) && !usesTableFeatures(needed)) {
    if (needed.minReaderVersion <= base.minReaderVersion && needed.minWriterVersion <= base.minWriterVersion) return undefined;
    return { minReaderVersion: Math.max(base.minReaderVersion, needed.minReaderVersion), minWriterVersion: Math.max(base.minWriterVersion, needed.minWriterVersion) };
  }
  const readerFeatures = union(readerFeaturesOf(base), readerFeaturesOf(needed));
  const writerFeatures = union(union(writerFeaturesOf(base), writerFeaturesOf(needed)), readerFeatures);
  const minReaderVersion = readerFeatures.length > 0 ? 3 : Math.max(base.minReaderVersion, needed.minReaderVersion, 1);
  const merged: Protocol = { minReaderVersion, minWriterVersion: 7, ...(minReaderVersion === 3 ? { readerFeatures } : {}), writerFeatures };
  const same = merged.minReaderVersion === base.minReaderVersion && merged.minWriterVersion === base.minWriterVersion
    && readerFeatures.length === readerFeaturesOf(base).length && writerFeatures.length === writerFeaturesOf(base).length;
  return same ? undefined : merged;
}

/** The features a schema's types need: `timestampNtz` when any field (at any depth) is timestamp_ntz. */
export function protocolForSchema(schema: StructType): Protocol | undefined {
  if (findType(schema, new Set(['timestamp_ntz'])) === undefined) return undefined;
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] };
}

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
  const rf = protocol.readerFeatures ?? [];
  const readerOk = protocol.minReaderVersion === 1 || (protocol.minReaderVersion === 3 && featuresOk && rf.every((f) => WRITABLE_FEATURES.has(f) && wf.includes(f)));
  if (!readerOk) {
    const extra = protocol.minReaderVersion === 3 ? ` with reader features (${rf.join(', ')})` : '';
    throw refuse(`readerVersion${protocol.minReaderVersion}`, `The table requires Delta reader version ${protocol.minReaderVersion}${extra}; k3 writes only reader-version-1 tables and reader-version-3 tables whose only reader feature is timestampNtz. The table is read-only for k3.`, { minReaderVersion: protocol.minReaderVersion, readerFeatures: rf });
  }
}
