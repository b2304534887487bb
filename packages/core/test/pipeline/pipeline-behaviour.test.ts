/**
 * Pipeline tables on the local store: bad objects are failed runs (table unchanged, others keep
 * flowing, retry after a fix works), TriggerIngest, changed objects (replace / append), merge
 * keys, transforms, explicit schemas, rules and runs, and DROP TABLE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../support/error-code.ts';
import { createPipelineEnv, csvBody, ndjsonBody, type PipelineEnv } from './support/pipeline-env.ts';

let env: PipelineEnv;
beforeAll(async () => {
  env = await createPipelineEnv('local', { K3_PIPELINE_MAX_OBJECT_BYTES: '2KiB' });
});
afterAll(async () => env.close());

const scan = async (table: string) => {
  const [r] = await env.engine.pipelines.scanBucket(env.bucket, (rule) => rule.table === table);
  if (r?.error !== undefined) throw r.error;
  return r!.outcome!;
};
const version = async (table: string) => (await env.engine.describeTable(env.bucket, table)).deltaVersion;

describe('bad objects', () => {
  it('a malformed object is a failed run: nothing of it is visible, the others land, a fixed upload lands', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'bad_json', rule: { globs: ['bad/*.ndjson'], format: 'ndjson' } });
    await env.put('bad/0.ndjson', ndjsonBody(0, 5));
    await scan('bad_json');
    const before = await version('bad_json');
    await env.put('bad/1.ndjson', ndjsonBody(1, 5));
    await env.put('bad/2.ndjson', `${ndjsonBody(2, 3)}{"id": 2999, "name": "broken\n`);
    await env.put('bad/3.ndjson', ndjsonBody(3, 5));
    const out = await scan('bad_json');
    const byKey = new Map(out.runs.map((r) => [r.objectKey, r]));
    expect(byKey.get('bad/2.ndjson')?.status).toBe('INGEST_RUN_STATUS_FAILED');
    expect(byKey.get('bad/2.ndjson')?.errorCode).toBe('ERR_INGEST_OBJECT_INVALID');
    expect(byKey.get('bad/2.ndjson')?.errorMessage).toMatch(/bad\/2\.ndjson/);
    expect(byKey.get('bad/1.ndjson')?.status).toBe('INGEST_RUN_STATUS_SUCCEEDED');
    expect(byKey.get('bad/3.ndjson')?.status).toBe('INGEST_RUN_STATUS_SUCCEEDED');
    expect(await env.count('bad_json', "_k3_source_key = 'bad/2.ndjson'")).toBe(0);
    expect(await env.count('bad_json')).toBe(15);
    expect(Number(await version('bad_json'))).toBe(Number(before) + 1);
    // The failed version is not retried every tick.
    expect((await scan('bad_json')).pending).toBe(0);
    const runs = await p.listIngestRuns(env.bucket, 'bad_json', 100);
    expect(runs.runs.filter((r) => r.status === 'INGEST_RUN_STATUS_FAILED').map((r) => r.objectKey)).toEqual(['bad/2.ndjson']);
    // Fixed: a new upload (new version) is picked up.
    await env.put('bad/2.ndjson', ndjsonBody(2, 4));
    const fixed = await scan('bad_json');
    expect(fixed.runs.map((r) => [r.objectKey, r.status])).toEqual([['bad/2.ndjson', 'INGEST_RUN_STATUS_SUCCEEDED']]);
    expect(await env.count('bad_json')).toBe(19);
  });

  it('schema mismatch, a value that does not fit, and a too-large object fail alone', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'typed_csv', rule: { globs: ['typed/*.csv'], format: 'csv' }, columns: [{ name: 'id', type: 'COLUMN_TYPE_LONG', nullable: false, defaultExpression: '' }, { name: 'name', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: '' }, { name: 'amount', type: 'COLUMN_TYPE_DOUBLE', nullable: true, defaultExpression: '' }] });
    expect((await env.engine.describeTable(env.bucket, 'typed_csv')).columns.map((c) => c.name)).toEqual(['id', 'name', 'amount', '_k3_source_key', '_k3_source_etag']);
    await env.put('typed/ok.csv', csvBody(1, 3));
    await env.put('typed/extra.csv', 'id,name,amount,surprise\n1,a,1.0,x\n');
    await env.put('typed/notnum.csv', 'id,name,amount\nabc,a,1.0\n');
    await env.put('typed/big.csv', csvBody(2, 200));
    const out = await scan('typed_csv');
    const byKey = new Map(out.runs.map((r) => [r.objectKey, r]));
    expect(byKey.get('typed/ok.csv')?.status).toBe('INGEST_RUN_STATUS_SUCCEEDED');
    expect(byKey.get('typed/extra.csv')?.errorMessage).toMatch(/schema mismatch.*surprise/);
    expect(byKey.get('typed/notnum.csv')?.errorCode).toBe('ERR_INGEST_OBJECT_INVALID');
    expect(byKey.get('typed/big.csv')?.errorCode).toBe('ERR_INGEST_OBJECT_TOO_LARGE');
    expect(await env.count('typed_csv')).toBe(3);
  });
});

describe('inferred schema', () => {
  it('an object whose columns cannot be a table schema fails alone; the next object fixes the schema', async () => {
    await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'inferred', rule: { globs: ['inf/*.ndjson'], format: 'ndjson' } });
    await env.put('inf/0.ndjson', '{"__k3_reserved": 1}\n');
    await env.put('inf/1.ndjson', '{"a": 1, "b": "x"}\n');
    const out = await scan('inferred');
    expect(out.runs.map((r) => [r.objectKey, r.status, r.errorCode])).toEqual([['inf/0.ndjson', 'INGEST_RUN_STATUS_FAILED', 'ERR_INGEST_OBJECT_INVALID'], ['inf/1.ndjson', 'INGEST_RUN_STATUS_SUCCEEDED', '']]);
    expect((await env.engine.describeTable(env.bucket, 'inferred')).columns.map((c) => [c.name, c.duckdbType])).toEqual([['a', 'BIGINT'], ['b', 'VARCHAR'], ['_k3_source_key', 'VARCHAR'], ['_k3_source_etag', 'VARCHAR']]);
  });
});

describe('TriggerIngest', () => {
  it('ingests one object now, skips it when it is already in, and refuses objects outside the globs', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'manual', rule: { globs: ['manual/*.tsv'], format: 'tsv', enabled: false } });
    await env.put('manual/a.tsv', csvBody(7, 4, '\t'));
    const run = await p.triggerIngest(env.bucket, 'manual', 'manual/a.tsv');
    expect([run.status, run.rows, run.trigger]).toEqual(['INGEST_RUN_STATUS_SUCCEEDED', 4, 'INGEST_TRIGGER_MANUAL']);
    expect(await env.count('manual')).toBe(4);
    expect((await p.triggerIngest(env.bucket, 'manual', 'manual/a.tsv')).status).toBe('INGEST_RUN_STATUS_SKIPPED');
    expect(await env.count('manual')).toBe(4);
    expect(await codeOf(p.triggerIngest(env.bucket, 'manual', 'other/a.tsv'))).toBe('ERR_INGEST_OBJECT_NOT_FOUND');
    expect(await codeOf(p.triggerIngest(env.bucket, 'manual', 'manual/missing.tsv'))).toBe('ERR_INGEST_OBJECT_NOT_FOUND');
    expect(await codeOf(p.triggerIngest(env.bucket, 'nope', 'manual/a.tsv'))).toBe('ERR_PIPELINE_NOT_FOUND');
    // A disabled rule is not scanned.
    await env.put('manual/b.tsv', csvBody(8, 4, '\t'));
    expect(await env.engine.pipelines.scanBucket(env.bucket, (r) => r.table === 'manual')).toEqual([]);
    expect((await p.listIngestRuns(env.bucket, 'manual', 10)).runs.map((r) => r.status)).toEqual(['INGEST_RUN_STATUS_SKIPPED', 'INGEST_RUN_STATUS_SUCCEEDED']);
  });
});

describe('changed objects', () => {
  it('replace (default): a new version of an object replaces the rows of the previous one', async () => {
    await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'replaced', rule: { globs: ['rep/*.csv'], format: 'csv' } });
    await env.put('rep/a.csv', csvBody(1, 5));
    await env.put('rep/b.csv', csvBody(2, 5));
    await scan('replaced');
    await env.put('rep/a.csv', 'id,name,amount\n1,changed,9.5\n2,changed,9.5\n');
    const out = await scan('replaced');
    expect(out.runs.map((r) => [r.objectKey, r.status, r.rows])).toEqual([['rep/a.csv', 'INGEST_RUN_STATUS_SUCCEEDED', 2]]);
    expect(await env.rows("SELECT _k3_source_key, count(*), min(name) FROM replaced GROUP BY 1 ORDER BY 1")).toEqual([['rep/a.csv', '2', 'changed'], ['rep/b.csv', '5', 'n2_0']]);
  });

  it('append: a new version adds its rows to the previous ones', async () => {
    await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'appended', rule: { globs: ['app/*.csv'], format: 'csv', onChange: 'append' } });
    await env.put('app/a.csv', csvBody(1, 5));
    await scan('appended');
    await env.put('app/a.csv', csvBody(1, 2));
    await scan('appended');
    expect(await env.count('appended')).toBe(7);
    expect(await env.rows('SELECT count(DISTINCT _k3_source_etag) FROM appended')).toEqual([['2']]);
  });
});

describe('merge keys and transforms', () => {
  it('rows upsert by merge key across objects; the newest object wins', async () => {
    await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'keyed', rule: { globs: ['keyed/*.ndjson'], format: 'ndjson', mergeKeys: ['id'] } });
    await env.put('keyed/1.ndjson', '{"id":1,"v":"a"}\n{"id":2,"v":"a"}\n');
    await scan('keyed');
    await env.put('keyed/2.ndjson', '{"id":2,"v":"b"}\n{"id":3,"v":"b"}\n');
    await scan('keyed');
    expect(await env.rows('SELECT id, v FROM keyed ORDER BY id')).toEqual([['1', 'a'], ['2', 'b'], ['3', 'b']]);
    expect((await env.engine.describeTable(env.bucket, 'keyed')).mergeKeys).toEqual(['id']);
    // User keyed writes and ingest share the table: a pending log write is incorporated first.
    await env.engine.execute({ bucket: env.bucket, sql: "INSERT INTO keyed (id, v) VALUES (4, 'user')" });
    await env.put('keyed/3.ndjson', '{"id":1,"v":"c"}\n');
    await scan('keyed');
    expect(await env.rows('SELECT id, v FROM keyed ORDER BY id')).toEqual([['1', 'c'], ['2', 'b'], ['3', 'b'], ['4', 'user']]);
  });

  it('a transform SELECT … FROM source shapes the rows; file-reading SQL is refused in it', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'shaped', rule: { globs: ['shape/*.csv'], format: 'csv', transform: 'SELECT id, upper(name) AS name, amount * 2 AS doubled FROM source WHERE id % 2 = 0' } });
    await env.put('shape/a.csv', csvBody(0, 4));
    await scan('shaped');
    expect(await env.rows('SELECT id, name, doubled FROM shaped ORDER BY id')).toEqual([['0', 'N0_0', 0], ['2', 'N0_2', 6]]);
    expect(await codeOf(p.createTablePipeline({ bucket: env.bucket, name: 'evil', rule: { globs: ['x/*.csv'], format: 'csv', transform: "SELECT * FROM read_csv('/etc/passwd')" } }))).toBe('ERR_SQL_UNSUPPORTED');
    expect(await codeOf(p.updateIngestRule(env.bucket, 'shaped', { transform: "SELECT * FROM 'data/other.parquet'" }))).toBe('ERR_SQL_UNSUPPORTED');
    expect(await codeOf(p.updateIngestRule(env.bucket, 'shaped', { transform: 'SELECT 1 FROM source; DROP TABLE shaped' }))).toBe('ERR_BAD_REQUEST');
  });
});

describe('rules', () => {
  it('Get / Update the rule; bad rules are refused; DROP TABLE removes the rule', async () => {
    const p = env.engine.pipelines;
    expect(await codeOf(p.createTablePipeline({ bucket: env.bucket, name: 'r1', rule: { globs: [], format: 'csv' } }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(p.createTablePipeline({ bucket: env.bucket, name: 'r1', rule: { globs: ['a/*'], format: 'xml' as never } }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(p.createTablePipeline({ bucket: env.bucket, name: 'r1', rule: { globs: ['tables/**'], format: 'csv', mergeKeys: ['id'], partitionColumns: ['id', 'id'] } }))).toBe('ERR_BAD_REQUEST');
    const { rule } = await p.createTablePipeline({ bucket: env.bucket, name: 'r1', rule: { globs: ['r1/*.csv'], format: 'csv', delimiter: ';' } });
    expect(await codeOf(p.createTablePipeline({ bucket: env.bucket, name: 'r1', rule: { globs: ['r1/*.csv'], format: 'csv' } }))).toBe('ERR_PIPELINE_EXISTS');
    expect(await p.getIngestRule(env.bucket, 'r1')).toEqual(rule);
    const updated = await p.updateIngestRule(env.bucket, 'r1', { globs: ['r1/**/*.csv'], enabled: false });
    expect([updated.globs, updated.enabled, updated.delimiter, updated.pipelineId]).toEqual([['r1/**/*.csv'], false, ';', rule.pipelineId]);
    expect(await codeOf(p.updateIngestRule(env.bucket, 'r1', { mergeKeys: ['x'] }))).toBe('ERR_BAD_REQUEST');
    expect(await codeOf(p.getIngestRule(env.bucket, 'missing'))).toBe('ERR_PIPELINE_NOT_FOUND');
    await p.updateIngestRule(env.bucket, 'r1', { enabled: true });
    await env.put('r1/x/a.csv', 'id;name\n1;a\n');
    await scan('r1');
    expect(await env.rows('SELECT id, name FROM r1')).toEqual([['1', 'a']]);
    await env.engine.dropTable(env.bucket, 'r1');
    expect(await codeOf(p.getIngestRule(env.bucket, 'r1'))).toBe('ERR_PIPELINE_NOT_FOUND');
  });
});

describe('the bucket Engine', () => {
  it('while the Engine is disabled nothing is ingested and the pipeline RPCs answer ERR_ENGINE_DISABLED', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'paused', rule: { globs: ['paused/*.csv'], format: 'csv' } });
    await env.put('paused/a.csv', csvBody(1, 2));
    await env.engine.disableEngine(env.bucket);
    try {
      expect(await env.engine.pipelines.scanBucket(env.bucket)).toEqual([]);
      expect(await codeOf(p.triggerIngest(env.bucket, 'paused', 'paused/a.csv'))).toBe('ERR_ENGINE_DISABLED');
      expect(await codeOf(p.getIngestRule(env.bucket, 'paused'))).toBe('ERR_ENGINE_DISABLED');
    } finally {
      await env.engine.enableEngine(env.bucket);
    }
    await scan('paused');
    expect(await env.count('paused')).toBe(2);
  });

  it('JSON arrays and header-less CSV', async () => {
    const p = env.engine.pipelines;
    await p.createTablePipeline({ bucket: env.bucket, name: 'arrays', rule: { globs: ['arr/*.json'], format: 'json' } });
    await env.put('arr/a.json', '[{"k":"x","v":1},{"k":"y","v":2}]');
    await scan('arrays');
    expect(await env.rows('SELECT k, v FROM arrays ORDER BY k')).toEqual([['x', '1'], ['y', '2']]);
    await p.createTablePipeline({ bucket: env.bucket, name: 'bare', rule: { globs: ['bare/*.csv'], format: 'csv', header: false, delimiter: '|' } });
    await env.put('bare/a.csv', '1|one\n2|two\n');
    await scan('bare');
    expect(await env.rows('SELECT count(*) FROM bare')).toEqual([['2']]);
  });
});
