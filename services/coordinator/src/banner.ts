/**
 * The start-up banner printed on stdout: the URL (the first line is parsed by test/support/server.ts
 * and by scripts: keep `k3-tables listening on <url>` stable), what this process really is (the mode
 * line is derived from the configuration: embedded vs distributed, local directory vs S3), notes
 * (an optional listener that was skipped) and a runnable example session.
 */
import type { Config } from '@k3/core';
import { redactRedisUrl } from '@k3/core/dispatch';

export type BannerConfig = Pick<Config, 'K3_DATA_DIR' | 'K3_STORE' | 'K3_S3_ENDPOINT' | 'K3_S3_REGION' | 'K3_REDIS_URL' | 'K3_QUEUE_PREFIX'>;
const EXAMPLE_BUCKET = 'demo';

function curl(url: string, sql: string, freshness?: string): string {
  const body = JSON.stringify(freshness === undefined ? { sql } : { sql, freshness }).replaceAll("'", "'\\''");
  return `curl -sS -X POST ${url}/${EXAMPLE_BUCKET}/tables/_execute -H 'content-type: application/json' -d '${body}'`;
}

function storeLine(config: BannerConfig): string {
  if (config.K3_STORE === 's3') return `tables in S3 buckets at ${config.K3_S3_ENDPOINT === '' ? `AWS ${config.K3_S3_REGION}` : config.K3_S3_ENDPOINT}`;
  if (config.K3_STORE === 'memory') return 'tables in memory (lost when the process exits)';
  return `tables under ${config.K3_DATA_DIR} (one directory per bucket)`;
}

/** The mode line: what runs where, true for this configuration. */
export function modeLine(config: BannerConfig): string {
  if (config.K3_REDIS_URL === '') return `embedded mode: ${storeLine(config)}; scans and the compactor run in this process, no Redis`;
  return `distributed mode: ${storeLine(config)}; scan jobs go to workers through Redis at ${redactRedisUrl(config.K3_REDIS_URL)} (queue prefix ${config.K3_QUEUE_PREFIX}), the compactor runs as its own service`;
}

export function formatBanner(url: string, config: BannerConfig, notes: readonly string[] = []): string {
  return [
    `k3-tables listening on ${url}`,
    modeLine(config),
    ...notes,
    `OpenAPI: ${url}/openapi.json · health: ${url}/healthz · metrics: ${url}/metrics`,
    'try:',
    `  ${curl(url, 'CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE) PARTITIONED BY (region)')}`,
    `  ${curl(url, "INSERT INTO contracts VALUES (1, 'UK', DATE '2026-04-01', 58200), (2, 'EU', DATE '2026-04-02', 41000)")}`,
    // STRONG: keyed inserts land in the write log first; a STRONG read sees them at once.
    `  ${curl(url, 'SELECT region, COUNT(*) AS cnt, SUM(amount) AS total FROM contracts GROUP BY region ORDER BY total DESC', 'FRESHNESS_STRONG')}`,
    '',
  ].join('\n');
}
