/**
 * Record upgrade (wal/record-upgrade.ts) and the step an ALTER stores (sql/alter-upgrade-step.ts),
 * on a real DuckDB: which path of stored steps leads from a record's definition to the table's,
 * what a replayed record holds (the ALTER's cast, the stored default, tombstone keys of a retyped
 * key), that a record the ALTER could not have converted is marked and never half-applied, and that
 * records of the current definition cost nothing (the same array back).
 */
import { describe, expect, it } from 'vitest';
import type { StructType } from '../../src/delta/schema.ts';
import { alterUpgradeStep } from '../../src/sql/alter-upgrade-step.ts';
import type { SeqRecord } from '../../src/wal/overlay.ts';
import type { WalRecord } from '../../src/wal/record-codec.ts';
import { UPGRADE_STEPS_KEPT, upgradeFailure, upgradePath, upgradeRecords, upgradeSteps, withUpgradeStep, type WalUpgradeStep } from '../../src/wal/record-upgrade.ts';
import { incompatibility, schemaFingerprint, walTableShape, type WalTableShape } from '../../src/wal/table-shape.ts';
import type { Metadata } from '../../src/delta/actions.ts';
import { K3_TABLE_CONFIG } from '../../src/delta/schema.ts';
import { useK3DuckDB } from '../support/k3-duckdb.ts';

const duck = useK3DuckDB();

type Cols = { name: string; type: string }[];

function shapeOf(columns: Cols, opts: { notNull?: string[] } = {}): WalTableShape {
  return { tableId: 't1', columns, primaryKey: ['id'], fingerprint: schemaFingerprint(columns), notNull: opts.notNull ?? [] };
}

function recordOf(columns: Cols, upserts: (string | null)[][], deletes: (string | null)[][] = []): WalRecord {
  return { tableId: 't1', schemaFingerprint: schemaFingerprint(columns), columns, primaryKey: ['id'], upserts, deletes, writerId: `w${Math.random()}`, createdAt: 0 };
}

function struct(columns: { name: string; type: 'integer' | 'string'; nullable?: boolean }[]): WalTableShape {
  const schema: StructType = { type: 'struct', fields: columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable ?? true, metadata: {} })) };
  return walTableShape({ metadata: { id: 't', configuration: { [K3_TABLE_CONFIG.primaryKey]: '["id"]' } } as unknown as Metadata, schema });
}

const V0: Cols = [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'INTEGER' }];
const V1: Cols = [...V0, { name: 'tag', type: 'VARCHAR' }];
const V2: Cols = [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'BIGINT' }, { name: 'tag', type: 'VARCHAR' }];

function step(from: Cols, to: Cols, actions: string[], fills: Record<string, string | null> = {}, rows = true): WalUpgradeStep {
  return { from: schemaFingerprint(from), to: schemaFingerprint(to), actions, fills, rows };
}

const metadataOf = (...steps: WalUpgradeStep[]) => ({ configuration: steps.reduce<Record<string, string>>((c, s) => withUpgradeStep(c, s), { 'k3.primaryKey': '["id"]' }) });

describe('stored steps', () => {
  it('keep the other configuration and only the last UPGRADE_STEPS_KEPT steps', () => {
    const many = Array.from({ length: UPGRADE_STEPS_KEPT + 3 }, (_, i) => step([{ name: `c${i}`, type: 'INTEGER' }], [{ name: `c${i + 1}`, type: 'INTEGER' }], []));
    const { configuration } = metadataOf(...many);
    expect(configuration['k3.primaryKey']).toBe('["id"]');
    expect(upgradeSteps(configuration)).toEqual(many.slice(-UPGRADE_STEPS_KEPT));
    expect(upgradeSteps({ 'k3.walUpgrades': 'not json' })).toEqual([]);
  });

  it('a path runs from the record definition through consecutive steps to the current one', () => {
    const a = step(V0, V1, ['ADD COLUMN tag VARCHAR']);
    const b = step(V1, V2, ['ALTER v SET DATA TYPE BIGINT']);
    expect(upgradePath([a, b], schemaFingerprint(V0), schemaFingerprint(V2))).toEqual([a, b]);
    expect(upgradePath([a, b], schemaFingerprint(V1), schemaFingerprint(V2))).toEqual([b]);
    expect(upgradePath([b], schemaFingerprint(V0), schemaFingerprint(V2))).toBeUndefined();
    expect(upgradePath([a], schemaFingerprint(V0), schemaFingerprint(V2))).toBeUndefined();
  });
});

describe('upgradeRecords', () => {
  it('returns the same array when every record is of the current definition (the hot path)', async () => {
    const records: SeqRecord[] = [{ seq: 1, record: recordOf(V2, [['1', '5', 'a']]) }];
    const metadata = metadataOf(step(V0, V1, ['ADD COLUMN tag VARCHAR DEFAULT \'x\''], { tag: 'x' }), step(V1, V2, ['ALTER v SET DATA TYPE BIGINT']));
    expect(await upgradeRecords(records, metadata, shapeOf(V2))).toBe(records);
    expect(await upgradeRecords(records, { configuration: {} }, shapeOf(V2))).toBe(records);
  });

  it('replays the steps: stored default, the ALTER cast, the current columns and fingerprint', async () => {
    const metadata = metadataOf(step(V0, V1, ["ADD COLUMN tag VARCHAR DEFAULT 'x'"], { tag: 'x' }), step(V1, V2, ['ALTER v SET DATA TYPE BIGINT']));
    const old = recordOf(V0, [['2', '2147483647'], ['3', null]], [['4']]);
    const current = recordOf(V2, [['5', '50', 'y']]);
    const shape = shapeOf(V2);
    const out = await upgradeRecords([{ seq: 7, record: old }, { seq: 8, record: current }], metadata, shape);
    expect(out[1]!.record).toBe(current);
    const up = out[0]!.record;
    expect(out[0]!.seq).toBe(7);
    expect(up).toMatchObject({ schemaFingerprint: shape.fingerprint, columns: V2, upserts: [['2', '2147483647', 'x'], ['3', null, 'x']], deletes: [['4']], writerId: old.writerId });
    expect(incompatibility(up, shape)).toBeUndefined();
    // Memoized per decoded record: the same upgraded object again.
    expect((await upgradeRecords([{ seq: 7, record: old }], metadata, shape))[0]!.record).toBe(up);
  });

  it('a step without value changes (ADD COLUMN without DEFAULT) leaves the record to the fold (NULL), no replay', async () => {
    const old = recordOf(V0, [['2', '20']]);
    const records = [{ seq: 1, record: old }];
    const out = await upgradeRecords(records, metadataOf(step(V0, V1, ['ADD COLUMN tag VARCHAR'], {}, false)), shapeOf(V1));
    expect(out[0]!.record).toBe(old);
    expect(incompatibility(old, shapeOf(V1))).toBeUndefined();
  });

  it('tombstone keys of a retyped key column are cast like the rows', async () => {
    const K0: Cols = [{ name: 'id', type: 'VARCHAR' }, { name: 'v', type: 'INTEGER' }];
    const K1: Cols = [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'INTEGER' }];
    const old = recordOf(K0, [['007', '1']], [['0042']]);
    const [r] = await upgradeRecords([{ seq: 1, record: old }], metadataOf(step(K0, K1, ['ALTER id SET DATA TYPE INTEGER'])), shapeOf(K1));
    expect(r!.record).toMatchObject({ upserts: [['7', '1']], deletes: [['42']] });
  });

  it('a value the cast refuses marks the whole record (reason from DuckDB); nothing of it is converted', async () => {
    const S0: Cols = [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'VARCHAR' }];
    const S1: Cols = [{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'INTEGER' }];
    const old = recordOf(S0, [['1', '12'], ['2', 'abc']]);
    const [r] = await upgradeRecords([{ seq: 1, record: old }], metadataOf(step(S0, S1, ['ALTER v SET DATA TYPE INTEGER'])), shapeOf(S1));
    expect(r!.record).toBe(old);
    expect(upgradeFailure(old, shapeOf(S1))).toMatch(/^alter-conversion-failed: Conversion Error: Could not convert string 'abc'/);
    expect(incompatibility(old, shapeOf(S1))).toBe(upgradeFailure(old, shapeOf(S1)));
  });

  it('a NULL under a column made NOT NULL since marks the record, whatever its definition', async () => {
    const tightened: WalUpgradeStep = { ...step(V0, V0, ['ALTER v SET NOT NULL'], {}, false), tightened: ['v'] };
    const bad = recordOf(V0, [['1', '1'], ['2', null]]);
    const fine = recordOf(V0, [['3', '3']]);
    const shape = shapeOf(V0, { notNull: ['v'] });
    await upgradeRecords([{ seq: 1, record: bad }, { seq: 2, record: fine }], metadataOf(tightened), shape);
    expect(incompatibility(bad, shape)).toMatch(/^alter-conversion-failed: NOT NULL constraint failed: column "v"/);
    expect(incompatibility(fine, shape)).toBeUndefined();
    // Relaxed again (DROP NOT NULL, not yet drained): the same decoded record applies again.
    await upgradeRecords([{ seq: 1, record: bad }], metadataOf(tightened), shapeOf(V0));
    expect(incompatibility(bad, shapeOf(V0))).toBeUndefined();
  });
});

describe('per-row defaults', () => {
  it('each racing row gets its own UUID / ULID, the same for every reader (another decoded copy of the record)', async () => {
    const U1: Cols = [...V0, { name: 'u', type: 'UUID' }, { name: 'l', type: 'VARCHAR' }];
    const sample = '01J0000000ZZZZZZZZZZZZZZZZ';
    const st: WalUpgradeStep = { ...step(V0, U1, ['ADD COLUMN u UUID DEFAULT gen_random_uuid()', 'ADD COLUMN l VARCHAR DEFAULT ULID()'], { u: '00000000-0000-4000-8000-000000000000', l: sample }), perRow: { u: 'uuid', l: 'ulid' } };
    const old = recordOf(V0, [['1', '1'], ['2', '2'], ['3', '3']]);
    const [a] = await upgradeRecords([{ seq: 1, record: old }], metadataOf(st), shapeOf(U1));
    const [b] = await upgradeRecords([{ seq: 1, record: structuredClone(old) }], metadataOf(st), shapeOf(U1));
    const uuids = a!.record.upserts.map((r) => r[2]);
    const ulids = a!.record.upserts.map((r) => r[3]);
    expect(new Set(uuids).size).toBe(3);
    for (const u of uuids) expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ulids).size).toBe(3);
    for (const l of ulids) expect(l).toMatch(/^01J0000000[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(b!.record.upserts).toEqual(a!.record.upserts);
  });
});

describe('alterUpgradeStep', () => {
  it('evaluates each added DEFAULT once, as WAL text (a volatile default is one value)', async () => {
    const before = struct([{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }]);
    const after = struct([{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }, { name: 'tag', type: 'string' }, { name: 'u', type: 'string' }, { name: 'n', type: 'integer' }, { name: 'j', type: 'string' }]);
    const s = await alterUpgradeStep(duck.conn, before, after, ["ADD COLUMN tag VARCHAR DEFAULT 'x'", 'ADD COLUMN u VARCHAR DEFAULT ULID()', 'ADD COLUMN n INTEGER'], [
      { name: 'tag', duckdbType: 'VARCHAR', defaultExpression: "'x'" },
      { name: 'u', duckdbType: 'VARCHAR', defaultExpression: 'ULID()' },
      { name: 'n', duckdbType: 'INTEGER', defaultExpression: '' },
      { name: 'j', duckdbType: 'JSON', defaultExpression: `'{ "a" : 1 }'` },
    ], true);
    expect(s).toBeDefined();
    expect(s!.from).toBe(schemaFingerprint([{ name: 'id', type: 'INTEGER' }, { name: 'v', type: 'INTEGER' }]));
    expect(s!.fills['tag']).toBe('x');
    expect(s!.fills['u']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(s!.perRow).toEqual({ u: 'ulid' });
    expect('n' in s!.fills).toBe(false);
    expect(s!.fills['j']).toBe('{"a":1}');
    expect(s!.rows).toBe(true);
  });

  it('no step when names and types are unchanged and nothing became NOT NULL; a tightened step otherwise', async () => {
    const before = struct([{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }]);
    expect(await alterUpgradeStep(duck.conn, before, before, ['ALTER v SET DEFAULT 3'], [], false)).toBeUndefined();
    const stamped = struct([{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }, { name: 't', type: 'string' }, { name: 'g', type: 'string' }]);
    const s = await alterUpgradeStep(duck.conn, before, stamped, [], [{ name: 't', duckdbType: 'TIMESTAMPTZ', defaultExpression: 'CURRENT_TIMESTAMP()' }, { name: 'g', duckdbType: 'VARCHAR', defaultExpression: 'GENERATE_UUID()' }], true);
    expect(s!.perRow).toEqual({ g: 'uuid' }); // one timestamp per statement; a UUID per row
    const tightened = struct([{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer', nullable: false }]);
    expect(await alterUpgradeStep(duck.conn, before, tightened, ['ALTER v SET NOT NULL'], [], true)).toMatchObject({ tightened: ['v'] });
  });
});
