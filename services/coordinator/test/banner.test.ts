/** The banner says what is true for each mode (embedded vs distributed, local vs S3 vs memory). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@k3/core';
import { formatBanner, modeLine } from '../src/banner.ts';

describe('banner', () => {
  it('embedded mode: local directory, in-process scans and compactor, no Redis', () => {
    const config = loadConfig({ K3_DATA_DIR: '/srv/k3' });
    expect(modeLine(config)).toBe('embedded mode: tables under /srv/k3 (one directory per bucket); scans and the compactor run in this process, no Redis');
  });

  it('distributed mode (k3 cluster up, Kubernetes): workers through Redis, never "embedded" or "no Redis"', () => {
    const config = loadConfig({ K3_REDIS_URL: 'redis://:secret@10.0.0.5:6379', K3_STORE: 's3', K3_S3_ENDPOINT: 'http://minio:9000' });
    const line = modeLine(config);
    expect(line).toBe('distributed mode: tables in S3 buckets at http://minio:9000; scan jobs go to workers through Redis at redis://:***@10.0.0.5:6379 (queue prefix k3), the compactor runs as its own service');
    const banner = formatBanner('http://127.0.0.1:8080', config);
    expect(banner).not.toMatch(/embedded|no Redis|secret/);
  });

  it('S3 without an endpoint names the AWS region; memory says it is lost on exit', () => {
    expect(modeLine(loadConfig({ K3_STORE: 's3', K3_S3_REGION: 'eu-west-1' }))).toMatch(/^embedded mode: tables in S3 buckets at AWS eu-west-1;/);
    expect(modeLine(loadConfig({ K3_STORE: 'memory' }))).toMatch(/tables in memory \(lost when the process exits\)/);
  });

  it('the first line stays parseable and notes follow the mode line', () => {
    const lines = formatBanner('http://127.0.0.1:1', loadConfig({}), { notes: ['Postgres wire not started: port 5432 …'] }).split('\n');
    expect(lines[0]).toBe('k3-tables listening on http://127.0.0.1:1');
    expect(lines[2]).toBe('Postgres wire not started: port 5432 …');
  });
});
