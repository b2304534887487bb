import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/delta/actions.ts';
import { parseCommitActions, readCommitActions, serializeActions, tryWriteCommit } from '../../../src/delta/commit.ts';
import { buildCommitInfo, encodeOperationMetrics, encodeOperationParameters } from '../../../src/delta/commit-info.ts';
import { validateCommit } from '../../../src/delta/validator.ts';
import { MemoryObjectStore } from '../../../src/object-store/index.ts';

const protocol: Action = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
const add: Action = { add: { path: 'a.parquet', partitionValues: {}, size: 10, modificationTime: 1, dataChange: true } };
const info: Action = { commitInfo: { timestamp: 5, operation: 'WRITE' } };

describe('serializeActions', () => {
  it('writes one JSON action per line, commitInfo first, newline-terminated', () => {
    const text = new TextDecoder().decode(serializeActions([protocol, add, info]));
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => Object.keys(JSON.parse(l) as object)[0])).toEqual(['commitInfo', 'protocol', 'add']);
    expect(parseCommitActions(new TextEncoder().encode(text), 3)).toEqual([info, protocol, add]);
  });
});

describe('tryWriteCommit', () => {
  it('lets exactly one of many concurrent writers win a version', async () => {
    const store = new MemoryObjectStore();
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      tryWriteCommit(store, 't/', 7, [{ commitInfo: { timestamp: i } }])));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await readCommitActions(store, 't/', 7)).toEqual([{ commitInfo: { timestamp: winner } }]);
    expect(await store.head('t/_delta_log/00000000000000000007.json')).toBeDefined();
    expect(await readCommitActions(store, 't/', 8)).toBeUndefined();
  });

  it('rejects a damaged commit with ERR_DELTA_LOG_CORRUPT', () => {
    expect(() => parseCommitActions(new TextEncoder().encode('{"add":{}}\n{oops'), 2)).toThrow(expect.objectContaining({ code: 'ERR_DELTA_LOG_CORRUPT' }));
  });
});

describe('commitInfo encoding', () => {
  it('keeps strings, JSON-encodes other parameter values and stringifies metrics', () => {
    expect(encodeOperationParameters({ mode: 'Append', partitionBy: ['k'], auto: false, n: 3, skip: undefined }))
      .toEqual({ mode: 'Append', partitionBy: '["k"]', auto: 'false', n: '3' });
    expect(encodeOperationMetrics({ numFiles: 2, numOutputBytes: '920' })).toEqual({ numFiles: '2', numOutputBytes: '920' });
  });

  it('records the same monotonic value as timestamp and inCommitTimestamp', () => {
    const ci = buildCommitInfo({ timestamp: 42, operation: 'WRITE', readVersion: 3, isolationLevel: 'WriteSerializable', isBlindAppend: true, engineInfo: 'k3-tables/0.1.0', txnId: 'x' });
    expect(ci).toMatchObject({ timestamp: 42, inCommitTimestamp: 42, readVersion: 3, isBlindAppend: true, operationParameters: {}, operationMetrics: {} });
  });
});

describe('validateCommit', () => {
  const meta: Action = { metaData: { id: 'id', format: { provider: 'parquet', options: {} }, schemaString: '{"type":"struct","fields":[{"name":"k","type":"string","nullable":true,"metadata":{}}]}', partitionColumns: ['k'], configuration: {}, createdTime: 1 } };
  const pAdd: Action = { add: { path: 'k=a/f.parquet', partitionValues: { k: 'a' }, size: 1, modificationTime: 1, dataChange: true, stats: '{"numRecords":1}' } };

  it('accepts a well-formed version 0', () => {
    expect(validateCommit(serializeActions([info, protocol, meta, pAdd]), 0)).toEqual([]);
  });

  it('reports every violation', () => {
    const bad = [
      '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}',
      '{"commitInfo":{}}',
      '{"add":{"path":"x","partitionValues":{"k":1},"size":-1,"modificationTime":1,"dataChange":"yes","stats":"{"}}',
      '{"remove":{"path":"x","dataChange":true}}',
      '{"add":{},"remove":{}}',
      'not json',
    ].join('\n');
    const issues = validateCommit(bad, 0);
    for (const expected of ['commitInfo must be the first action', 'partitionValues.k must be a string or null', 'add.size', 'add.dataChange', 'add.stats is not valid JSON',
      'remove.deletionTimestamp', 'exactly one action', 'line 6: not JSON', 'version 0 must contain protocol and metaData', 'both added and removed', 'commitInfo is missing or not first']) {
      expect(issues.some((i) => i.includes(expected)), `${expected} in ${issues.join('; ')}`).toBe(true);
    }
  });

  it('checks partitionValues keys against the partition columns', () => {
    const wrong: Action = { add: { path: 'f', partitionValues: { j: 'a' }, size: 1, modificationTime: 1, dataChange: true } };
    expect(validateCommit(serializeActions([info, wrong]), 1, { partitionColumns: ['k'] })).toEqual([expect.stringContaining('differ from partition columns')]);
  });
});
