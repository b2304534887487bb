import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { decodeJobFailure, encodeJobFailure, jobResultKey, parseScanJob, parseScanResult, queuePrefix, scanJobId, SCAN_JOB_VERSION, type ScanJobV1 } from '../../src/jobs/index.ts';

const job: ScanJobV1 = {
  v: 1,
  queryId: 'q-123_abc',
  jobIndex: 3,
  bucket: 'lake',
  tableRoot: 'tables/contracts/',
  files: [{ key: 'tables/contracts/region=EU/part-0.parquet', size: 1234, partitionValues: { region: 'EU', day: null } }],
  schema: { type: 'struct', fields: [{ name: 'region', type: 'string', nullable: true, metadata: {} }, { name: 'x', type: 'decimal(18,2)', nullable: false, metadata: { 'k3.type': 'x' } }] },
  partitionColumns: ['region'],
  viewName: '__k3_partition',
  partialSql: 'SELECT count(*) FROM __k3_partition',
  deadline: 1_900_000_000_000,
};

const result = { v: 1, queryId: 'q-123_abc', jobIndex: 3, ipc: 'AAAA', rows: 1, bytes: 3, filesScanned: 1, rowsScanned: 10, bytesScanned: 1234, scanMs: 1.5, startedAt: 1_800_000_000_000 };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
}

describe('ScanJobV1 / ScanResultV1 contract', () => {
  it('round-trips through JSON (what BullMQ stores in Redis) unchanged', () => {
    expect(parseScanJob(JSON.parse(JSON.stringify(job)))).toEqual(job);
    expect(parseScanResult(JSON.parse(JSON.stringify(result)))).toEqual(result);
    const spilled = { ...result, ipc: undefined, resultKey: jobResultKey('q-123_abc', 3) };
    expect(parseScanResult(JSON.parse(JSON.stringify(spilled)))).toEqual({ ...result, ipc: undefined, resultKey: '_k3/results/q-123_abc/3.arrow' });
  });

  it('refuses another contract version with ERR_JOB_CONTRACT naming both versions', () => {
    expect(SCAN_JOB_VERSION).toBe(1);
    const err = (() => { try { parseScanJob({ ...job, v: 2 }); } catch (e) { return e as AppError; } return undefined; })();
    expect(err?.code).toBe('ERR_JOB_CONTRACT');
    expect(err?.message).toContain('contract version 2');
    expect(err?.message).toContain('version 1');
    expect(codeOf(() => parseScanResult({ ...result, v: 0 }))).toBe('ERR_JOB_CONTRACT');
  });

  it.each([
    ['no files array', { ...job, files: undefined }],
    ['negative job index', { ...job, jobIndex: -1 }],
    ['query id with a colon (BullMQ ids)', { ...job, queryId: 'a:b' }],
    ['file without size', { ...job, files: [{ key: 'k', partitionValues: {} }] }],
    ['numeric partition value (the log carries strings)', { ...job, files: [{ key: 'k', size: 1, partitionValues: { region: 5 } }] }],
    ['schema that is not a struct', { ...job, schema: { type: 'array' } }],
    ['empty SQL', { ...job, partialSql: '' }],
    ['not an object', 'hello'],
  ])('refuses a malformed job: %s', (_name, bad) => {
    expect(codeOf(() => parseScanJob(bad))).toBe('ERR_JOB_CONTRACT');
  });

  it('a result carries exactly one of ipc and resultKey', () => {
    expect(codeOf(() => parseScanResult({ ...result, resultKey: 'k' }))).toBe('ERR_JOB_CONTRACT');
    expect(codeOf(() => parseScanResult({ ...result, ipc: undefined }))).toBe('ERR_JOB_CONTRACT');
    expect(codeOf(() => parseScanResult({ ...result, rows: 1.5 }))).toBe('ERR_JOB_CONTRACT');
  });
});

describe('queue names and job ids', () => {
  it('job ids are unique per (query, index) and acceptable to BullMQ (no colon, not an integer)', () => {
    expect(scanJobId('q1', 0)).toBe('q1-j0');
    expect(scanJobId('q1', 10)).not.toBe(scanJobId('q11', 0));
    expect(scanJobId('7', 1)).not.toMatch(/^\d+$/);
    expect(scanJobId('q1', 2)).not.toContain(':');
  });

  it('queue prefixes are validated', () => {
    expect(queuePrefix('k3-test_1')).toBe('k3-test_1');
    expect(codeOf(() => queuePrefix('a:b'))).toBe('ERR_CONFIG_INVALID');
    expect(codeOf(() => queuePrefix(''))).toBe('ERR_CONFIG_INVALID');
  });
});

describe('job failure encoding', () => {
  it('carries an AppError code, message and details across a string', () => {
    const text = encodeJobFailure(new AppError('ERR_SQL_BIND', 'no column x', { column: 'x' }));
    expect(decodeJobFailure(text)).toEqual({ code: 'ERR_SQL_BIND', message: 'no column x', details: { column: 'x' } });
  });

  it('reports foreign reasons raw as UNKNOWN', () => {
    expect(decodeJobFailure('job stalled more than allowable limit')).toEqual({ code: 'UNKNOWN', message: 'job stalled more than allowable limit' });
    expect(decodeJobFailure(encodeJobFailure(new TypeError('boom')))).toEqual({ code: 'UNKNOWN', message: 'boom' });
    expect(decodeJobFailure(undefined).code).toBe('UNKNOWN');
  });
});
