import { describe, expect, it } from 'vitest';
import { COMMIT_CONFLICT_CODES, commitConflictRetry, isCommitConflict } from '../../src/delta/commit-conflict.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../../src/errors/index.ts';
import { RetryPolicy } from '../../src/retry/retry-policy.ts';
import { seededRandom } from '../../src/retry/seeded-random.ts';
import { primaryKeyOf } from '../../src/catalog/table-spec.ts';

describe('isCommitConflict (the one Delta conflict predicate)', () => {
  it('is exactly the Delta taxonomy, protocol change included; store, fencing and contention are not conflicts', () => {
    const conflicts = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => isCommitConflict(new AppError(code, 'x')));
    expect(conflicts.sort()).toEqual([
      'ERR_DELTA_COMMIT_CONFLICT', 'ERR_DELTA_CONCURRENT_APPEND', 'ERR_DELTA_CONCURRENT_DELETE_DELETE', 'ERR_DELTA_CONCURRENT_DELETE_READ',
      'ERR_DELTA_CONCURRENT_TRANSACTION', 'ERR_DELTA_METADATA_CHANGED', 'ERR_DELTA_PROTOCOL_CHANGED',
    ]);
    expect([...COMMIT_CONFLICT_CODES].every((c) => ERROR_CODES[c].retryable && ERROR_CODES[c].status === 409)).toBe(true);
    expect(isCommitConflict(new Error('ERR_DELTA_CONCURRENT_APPEND'))).toBe(false);
  });
});

describe('RetryPolicy (the one retry helper)', () => {
  it('retries what retryIf accepts with bounded full-jitter backoff, then rethrows the last error', async () => {
    const sleeps: number[] = [];
    const policy = commitConflictRetry(4, { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
    let calls = 0;
    const err = await policy.run(async () => {
      calls++;
      throw new AppError('ERR_DELTA_PROTOCOL_CHANGED', 'lost');
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DELTA_PROTOCOL_CHANGED' });
    expect(calls).toBe(4);
    expect(sleeps).toEqual([5, 10, 20]);
  });

  it('does not retry what retryIf refuses, and lets onRetry stop early', async () => {
    const policy = commitConflictRetry(5, { sleep: async () => undefined });
    let calls = 0;
    await expect(policy.run(async () => {
      calls++;
      throw new AppError('ERR_STORE_UNAVAILABLE', 'down');
    })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(calls).toBe(1);
    await expect(policy.run(async () => {
      throw new AppError('ERR_DELTA_CONCURRENT_APPEND', 'lost');
    }, () => {
      throw new AppError('ERR_COMPACTOR_FENCED', 'deposed');
    })).rejects.toMatchObject({ code: 'ERR_COMPACTOR_FENCED' });
  });

  it('caps each delay at maxDelayMs', () => {
    const policy = new RetryPolicy({ baseDelayMs: 10, maxDelayMs: 100, random: () => 0.999 });
    expect(policy.delayMs(1)).toBe(9);
    expect(policy.delayMs(20)).toBe(99);
  });
});

describe('seededRandom', () => {
  it('is a deterministic sequence in [0, 1) per seed', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs.map((x) => Math.floor(x * 10))).size).toBe(10);
  });
});

describe('primaryKeyOf (the one reader of k3.primaryKey)', () => {
  const meta = (v?: string): { configuration: Record<string, string> } => ({ configuration: v === undefined ? {} : { 'k3.primaryKey': v } });
  it('reads the key, [] when absent, and refuses a malformed value with ERR_DELTA_LOG_CORRUPT', () => {
    expect(primaryKeyOf(meta('["id","ts"]'))).toEqual(['id', 'ts']);
    expect(primaryKeyOf(meta())).toEqual([]);
    expect(primaryKeyOf(meta(''))).toEqual([]);
    for (const bad of ['id', '{"a":1}', '[1]', '[""]', '["a",null]']) {
      expect(() => primaryKeyOf(meta(bad))).toThrow(expect.objectContaining({ code: 'ERR_DELTA_LOG_CORRUPT' }));
    }
  });
});
