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

/** How the banner's curls authenticate. */
export type BannerAuth = { kind: 'off' } | { kind: 'minted'; token: string } | { kind: 'existing' };

function curl(url: string, auth: BannerAuth, sql: string, freshness?: string): string {
  const body = JSON.stringify(freshness === undefined ? { sql } : { sql, freshness }).replaceAll("'", "'\\''");
  const header = auth.kind === 'off' ? '' : auth.kind === 'minted' ? ` -H 'authorization: Bearer ${auth.token}'` : ' -H "authorization: Bearer $K3_TOKEN"';
  return `curl -sS -X POST ${url}/${EXAMPLE_BUCKET}/tables/_execute${header} -H 'content-type: application/json' -d '${body}'`;
}

function authLines(auth: BannerAuth): string[] {
  switch (auth.kind) {
    case 'off':
      return ['auth: OFF (K3_AUTH=off, loopback only): requests need no token'];
    case 'minted':
      return [
        `admin token: ${auth.token}`,
        '  (first start: an admin token for all buckets was created; it is shown only this once — keep it. More tokens: npx k3 token create)',
      ];
    case 'existing':
      return ['auth: on; set K3_TOKEN to a token (the admin token printed at first start, or: npx k3 token create --name me --scope admin --all-buckets)'];
  }
}

/** Where the Postgres wire listens (K3_PG_PORT), for the banner's psql line. */
export interface BannerPg {
  host: string;
  port: number;
}

function psql(pg: BannerPg, auth: BannerAuth): string {
  const password = auth.kind === 'minted' ? `PGPASSWORD='${auth.token}' ` : auth.kind === 'existing' ? 'PGPASSWORD="$K3_TOKEN" ' : '';
  const user = auth.kind === 'off' ? 'anonymous' : 'admin';
  return `${password}psql "host=${pg.host} port=${pg.port} user=${user} dbname=${EXAMPLE_BUCKET}"`;
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

export interface BannerOptions {
  auth?: BannerAuth;
  /** Lines about other listeners (gRPC, the data browser) and skipped ones. */
  notes?: readonly string[];
  /** The Postgres wire, when it listens: the banner ends with a psql line that works. */
  pg?: BannerPg;
}

export function formatBanner(url: string, config: BannerConfig, opts: BannerOptions = {}): string {
  const { auth = { kind: 'off' }, notes = [], pg = undefined } = opts;
  return [
    `k3-tables listening on ${url}`,
    modeLine(config),
    ...notes,
    `OpenAPI: ${url}/openapi.json · health: ${url}/healthz · metrics: ${url}/metrics`,
    ...authLines(auth),
    'try:',
    `  ${curl(url, auth, 'CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE) PARTITIONED BY (region)')}`,
    `  ${curl(url, auth, "INSERT INTO contracts VALUES (1, 'UK', DATE '2026-04-01', 58200), (2, 'EU', DATE '2026-04-02', 41000)")}`,
    // STRONG: keyed inserts land in the write log first; a STRONG read sees them at once.
    `  ${curl(url, auth, 'SELECT region, COUNT(*) AS cnt, SUM(amount) AS total FROM contracts GROUP BY region ORDER BY total DESC', 'FRESHNESS_STRONG')}`,
    // The Postgres wire: database = bucket (it exists once the CREATE TABLE above ran), user = token name, password = token secret.
    ...(pg === undefined ? [] : [`postgres wire on ${pg.host}:${pg.port} (database = bucket, user = token name, password = token):`, `  ${psql(pg, auth)}`]),
    '',
  ].join('\n');
}
