/**
 * The start-up banner printed on stdout: the URL (the first line is parsed by test/support/server.ts
 * and by scripts: keep `k3-tables listening on <url>` stable) and a runnable example session.
 */
const EXAMPLE_BUCKET = 'demo';

function curl(url: string, sql: string, freshness?: string): string {
  const body = JSON.stringify(freshness === undefined ? { sql } : { sql, freshness }).replaceAll("'", "'\\''");
  return `curl -sS -X POST ${url}/${EXAMPLE_BUCKET}/tables/_execute -H 'content-type: application/json' -d '${body}'`;
}

export function formatBanner(url: string, dataDir: string, grpcAddress?: string): string {
  return [
    `k3-tables listening on ${url}`,
    ...(grpcAddress !== undefined ? [`gRPC (h2c, reflection) on ${grpcAddress}: npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://${grpcAddress}`] : []),
    `embedded mode: tables under ${dataDir} (one directory per bucket), no Redis`,
    `OpenAPI: ${url}/openapi.json · health: ${url}/healthz · metrics: ${url}/metrics`,
    'try:',
    `  ${curl(url, 'CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE) PARTITIONED BY (region)')}`,
    `  ${curl(url, "INSERT INTO contracts VALUES (1, 'UK', DATE '2026-04-01', 58200), (2, 'EU', DATE '2026-04-02', 41000)")}`,
    // STRONG: keyed inserts land in the write log first; a STRONG read sees them at once.
    `  ${curl(url, 'SELECT region, COUNT(*) AS cnt, SUM(amount) AS total FROM contracts GROUP BY region ORDER BY total DESC', 'FRESHNESS_STRONG')}`,
    '',
  ].join('\n');
}
