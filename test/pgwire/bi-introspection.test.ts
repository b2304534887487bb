/**
 * The introspection queries BI tools send at connect and browse time, verbatim, each with where it
 * comes from. Every one must run without error over the Postgres wire (node-postgres; `$n`
 * queries over the extended protocol), and the ones that list tables or columns must return the
 * bucket's real tables — including one created a moment before (the catalog is never stale).
 *
 * Sources:
 * - Metabase: metabase/metabase `src/metabase/driver/postgres.clj` (describe-database table query,
 *   enum types) and its JDBC connection setup (SET extra_float_digits, SHOW TRANSACTION ISOLATION
 *   LEVEL, BEGIN READ ONLY), as reported in DuckDB/pgwire gateway issue trackers.
 * - Grafana: grafana/grafana PostgreSQL data source (`public/app/plugins/datasource/grafana-postgresql-datasource`,
 *   table and column pickers; the search_path query is the one datafusion-postgres lists as GRAFANA_QUERIES).
 * - DBeaver: dbeaver/dbeaver PostgreSQL plugin (`PostgreSchema` / `PostgreTableBase` readers), as
 *   logged in dbeaver/dbeaver#35810 and GreptimeTeam/greptimedb#5271.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPg, type StartedPg } from './support.ts';

let srv: StartedPg;
let client: pg.Client;
beforeAll(async () => {
  srv = await startPg();
  await srv.engine.execute({ bucket: 'demo', sql: "CREATE TABLE events (id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL DEFAULT 'click', amount DOUBLE, at_day DATE)" });
  client = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'admin', database: 'demo', password: srv.secrets.admin });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await srv?.stop();
});

interface Case {
  tool: 'Metabase' | 'Grafana' | 'DBeaver';
  name: string;
  sql: string;
  params?: (oids: { main: string; events: string }) => unknown[];
  /** A column whose values must include the bucket's table names. */
  lists?: string;
}

const CASES: Case[] = [
  // ── Metabase ─────────────────────────────────────────────────────────────────────
  { tool: 'Metabase', name: 'connection setup: extra_float_digits', sql: 'SET extra_float_digits = 2' },
  { tool: 'Metabase', name: 'connection setup: isolation level', sql: 'SHOW TRANSACTION ISOLATION LEVEL' },
  { tool: 'Metabase', name: 'sync: read-only transaction', sql: 'BEGIN READ ONLY' },
  {
    tool: 'Metabase', name: 'describe-database: tables with descriptions and row estimates', lists: 'name',
    sql: `SELECT n.nspname AS schema, c.relname AS name,
  CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS type,
  d.description AS description, stat.n_live_tup AS estimated_row_count
FROM pg_catalog.pg_class c
INNER JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid
LEFT JOIN pg_catalog.pg_description d ON c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
LEFT JOIN pg_stat_user_tables stat ON n.nspname = stat.schemaname AND c.relname = stat.relname
WHERE c.relnamespace = n.oid AND n.nspname !~ '^information_schema|catalog_history|pg_'
  AND c.relkind in ('r', 'p', 'v', 'f', 'm')
  AND (pg_catalog.has_table_privilege(current_user, c.oid, 'SELECT') OR pg_catalog.has_any_column_privilege(current_user, c.oid, 'SELECT'))
ORDER BY type, schema, name`,
  },
  { tool: 'Metabase', name: 'enum types', sql: 'SELECT DISTINCT t.typname FROM pg_enum e LEFT JOIN pg_type t ON t.oid = e.enumtypid' },
  { tool: 'Metabase', name: 'pg_settings lookup', sql: "SELECT setting FROM pg_settings WHERE name = 'server_version_num'" },
  { tool: 'Metabase', name: 'end of read-only transaction', sql: 'COMMIT' },
  {
    tool: 'Metabase', name: 'describe-table: columns via information_schema', lists: 'table_name',
    sql: `SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default, c.ordinal_position
FROM information_schema.columns c WHERE c.table_schema = 'main' ORDER BY c.table_name, c.ordinal_position`,
  },
  // ── Grafana ──────────────────────────────────────────────────────────────────────
  { tool: 'Grafana', name: 'health check', sql: 'SELECT 1' },
  { tool: 'Grafana', name: 'version detection', sql: "SELECT current_setting('server_version_num')::int/100 AS version" },
  {
    tool: 'Grafana', name: 'table picker (search_path aware)', lists: 'table',
    sql: `SELECT
    CASE WHEN
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental')
    ORDER BY CASE WHEN quote_ident(table_schema) = 'main' THEN 0 ELSE 1 END, 1`,
  },
  {
    tool: 'Grafana', name: 'column picker', params: () => ['events'],
    sql: 'SELECT quote_ident(column_name) AS "column", data_type AS "type" FROM information_schema.columns WHERE quote_ident(table_name) = $1',
  },
  { tool: 'Grafana', name: 'schema picker', sql: "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY schema_name" },
  // ── DBeaver ──────────────────────────────────────────────────────────────────────
  { tool: 'DBeaver', name: 'current schema and user', sql: 'SELECT current_schema(),session_user' },
  { tool: 'DBeaver', name: 'search_path', sql: 'SHOW search_path' },
  { tool: 'DBeaver', name: 'database row', params: () => ['demo'], sql: 'SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1' },
  { tool: 'DBeaver', name: 'setting lookup', params: () => ['standard_conforming_strings'], sql: 'select * from pg_catalog.pg_settings where name=$1' },
  {
    tool: 'DBeaver', name: 'schemas with descriptions',
    sql: "SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass ORDER BY nspname",
  },
  {
    tool: 'DBeaver', name: 'tables of a schema (partition keys)', lists: 'relname', params: (o) => [o.main],
    sql: `select c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.relkind='p' then pg_catalog.pg_get_partkeydef(c.oid) else null end as partition_key
from pg_catalog.pg_class c
left outer join pg_catalog.pg_class t on t.oid=c.reltoastrelid
left outer join pg_catalog.pg_class rt on rt.oid=c.reloftype
left outer join pg_catalog.pg_description d on d.objoid=c.oid and d.objsubid=0 and d.classoid='pg_class'::regclass
where c.relnamespace=$1 and c.relkind not in ('i','I','c')`,
  },
  {
    tool: 'DBeaver', name: 'columns of a table', params: (o) => [o.events],
    sql: `SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=$1
ORDER BY a.attnum`,
  },
  {
    tool: 'DBeaver', name: 'constraints of a table', params: (o) => [o.events],
    sql: `SELECT c.oid,c.*,t.relname as tabrelname,case when c.contype='c' then substr(pg_catalog.pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
WHERE t.relkind <> 'c' AND c.conrelid=$1
ORDER BY c.oid`,
  },
  {
    tool: 'DBeaver', name: 'indexes of a table', params: (o) => [o.events],
    sql: `SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE i.indrelid = $1 ORDER BY tc.relname, c.relname`,
  },
  {
    tool: 'DBeaver', name: 'data types',
    sql: `SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL AND (c.relkind IS NULL OR c.relkind = 'c')`,
  },
  { tool: 'DBeaver', name: 'table by regclass', sql: "SELECT relname, relkind FROM pg_catalog.pg_class WHERE oid = 'main.events'::regclass" },
];

describe('BI introspection queries', () => {
  let oids: { main: string; events: string };
  beforeAll(async () => {
    const r = await client.query("SELECT n.oid AS main, c.oid AS events FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'events'");
    oids = r.rows[0] as { main: string; events: string };
  });

  test.each(CASES.map((c) => [`${c.tool}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    const res = await client.query(c.sql, c.params?.(oids));
    if (c.lists !== undefined) {
      const names = res.rows.map((r) => String((r as Record<string, unknown>)[c.lists!]));
      expect(names).toContain('events');
    }
  });

  test('::regclass and ::regtype compare as OIDs and print as names', async () => {
    const r = await client.query("SELECT 'events'::regclass AS rel, 23::regtype AS typ, (SELECT count(*)::INTEGER FROM pg_attribute WHERE attrelid = 'main.events'::regclass AND attnum > 0) AS n");
    expect(r.rows).toEqual([{ rel: 'events', typ: 'integer', n: 4 }]);
  });

  test('a table created a moment ago is listed at once (the catalog is built per query)', async () => {
    await client.query('CREATE TABLE fresh_table (x INTEGER)');
    const r = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1");
    expect(r.rows.map((x) => (x as { table_name: string }).table_name)).toEqual(['events', 'fresh_table']);
    const cols = await client.query('SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum', ['events']);
    expect(cols.rows).toEqual([
      { attname: 'id', t: 'bigint' }, { attname: 'kind', t: 'text' }, { attname: 'amount', t: 'double precision' }, { attname: 'at_day', t: 'date' },
    ]);
  });
});
