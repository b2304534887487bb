/**
 * The emulated PostgreSQL catalog, as DuckDB SQL run once per catalog database: views in schema
 * `k3pg` over four per-connection TEMP tables that catalog-db.ts fills from the bucket's live table
 * list for every catalog query (never a stale copy):
 *   k3_session(bucket, usr, pid)                       k3_settings(name, setting)
 *   k3_rel(oid, relname, rowcount, sizebytes, description, pk_attnums, pk_names)
 *   k3_att(attrelid, attnum, attname, duckdb_type, atttypid, atttypmod, attlen, attnotnull, attdefault)
 * Macros `k3pg_<fn>` implement the catalog functions (rewrite-catalog-query.ts renames calls).
 * OIDs are PostgreSQL's own for namespaces and types; relations get stable hashed OIDs.
 */
import { PG_SCALARS } from '../types/pg-types.ts';

export const NAMESPACE = { pg_catalog: 11, main: 2200, information_schema: 13000 } as const;
export const SERVER_VERSION = '15.0';
export const VERSION_TEXT = `PostgreSQL ${SERVER_VERSION} (k3-tables; DuckDB SQL) on x86_64-pc-linux-gnu, compiled by k3, 64-bit`;

/** SQL-standard spelling format_type() prints per typname. */
const FORMATTED: Record<string, string> = {
  bool: 'boolean', int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  varchar: 'character varying', timestamp: 'timestamp without time zone', timestamptz: 'timestamp with time zone',
  time: 'time without time zone', timetz: 'time with time zone', bpchar: 'character', char: '"char"',
};
const CATEGORY: Record<string, string> = {
  bool: 'B', int2: 'N', int4: 'N', int8: 'N', float4: 'N', float8: 'N', numeric: 'N', oid: 'N', text: 'S', varchar: 'S', name: 'S', char: 'S',
  bpchar: 'S', date: 'D', time: 'D', timetz: 'D', timestamp: 'D', timestamptz: 'D', interval: 'T', bytea: 'U', json: 'U', jsonb: 'U', uuid: 'U',
};
const EXTRA_TYPES: Array<{ oid: number; name: string; size: number; arrayOid: number }> = [
  { oid: 18, name: 'char', size: 1, arrayOid: 1002 }, { oid: 19, name: 'name', size: 64, arrayOid: 1003 },
  { oid: 22, name: 'int2vector', size: -1, arrayOid: 1006 }, { oid: 24, name: 'regproc', size: 4, arrayOid: 1008 },
  { oid: 26, name: 'oid', size: 4, arrayOid: 1028 }, { oid: 30, name: 'oidvector', size: -1, arrayOid: 1013 },
  { oid: 1042, name: 'bpchar', size: -1, arrayOid: 1014 }, { oid: 2205, name: 'regclass', size: 4, arrayOid: 2210 },
  { oid: 2206, name: 'regtype', size: 4, arrayOid: 2211 }, { oid: 3802, name: 'jsonb', size: -1, arrayOid: 3807 },
  { oid: 705, name: 'unknown', size: -2, arrayOid: 0 }, { oid: 2249, name: 'record', size: -1, arrayOid: 2287 },
  { oid: 2278, name: 'void', size: 4, arrayOid: 0 },
];

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function typeRows(): string {
  const rows: string[] = [];
  const all = [...Object.values(PG_SCALARS), ...EXTRA_TYPES];
  for (const t of all) {
    const fmt = FORMATTED[t.name] ?? t.name;
    rows.push(`(${t.oid}, ${lit(t.name)}, ${t.size}, 'b', ${lit(CATEGORY[t.name] ?? 'U')}, 0, ${t.arrayOid}, ${lit(fmt)})`);
    if (t.arrayOid !== 0) rows.push(`(${t.arrayOid}, ${lit(`_${t.name}`)}, -1, 'b', 'A', ${t.oid}, 0, ${lit(`${fmt}[]`)})`);
  }
  return rows.join(',\n');
}

/** Relations of pg_catalog the emulation answers (bare `pg_x` and `pg_catalog.pg_x`). */
export const CATALOG_RELATIONS: ReadonlySet<string> = new Set([
  'pg_namespace', 'pg_class', 'pg_attribute', 'pg_type', 'pg_index', 'pg_constraint', 'pg_database', 'pg_settings',
  'pg_description', 'pg_enum', 'pg_proc', 'pg_attrdef', 'pg_am', 'pg_roles', 'pg_user', 'pg_authid', 'pg_tablespace',
  'pg_inherits', 'pg_partitioned_table', 'pg_extension', 'pg_collation', 'pg_trigger', 'pg_rewrite', 'pg_policy',
  'pg_statistic_ext', 'pg_publication', 'pg_publication_rel', 'pg_publication_namespace', 'pg_foreign_table',
  'pg_sequence', 'pg_depend', 'pg_shdescription', 'pg_auth_members', 'pg_views', 'pg_matviews', 'pg_tables',
  'pg_indexes', 'pg_stat_user_tables', 'pg_stat_activity', 'pg_language', 'pg_event_trigger', 'pg_range',
  'pg_foreign_server', 'pg_foreign_data_wrapper', 'pg_cast', 'pg_operator', 'pg_opclass', 'pg_aggregate',
  'pg_available_extensions', 'pg_timezone_names', 'pg_sequences', 'pg_stat_all_tables', 'pg_statio_user_tables',
  'pg_locks', 'pg_conversion', 'pg_default_acl', 'pg_init_privs', 'pg_largeobject_metadata', 'pg_shdepend',
]);

export const INFORMATION_SCHEMA_RELATIONS: ReadonlySet<string> = new Set([
  'tables', 'columns', 'table_constraints', 'key_column_usage', 'schemata', 'views', 'routines', 'referential_constraints',
  'constraint_column_usage', 'character_sets', 'parameters', 'check_constraints', 'sequences', 'triggers',
]);

/** Functions the emulation defines (called as `k3pg_<name>` after the rewrite). */
export const CATALOG_FUNCTIONS: ReadonlySet<string> = new Set([
  'version', 'current_database', 'current_catalog', 'current_schema', 'current_schemas', 'current_user', 'session_user', 'user',
  'current_role', 'format_type', 'pg_get_expr', 'pg_get_indexdef', 'pg_get_constraintdef', 'pg_get_partkeydef', 'pg_get_viewdef',
  'pg_get_userbyid', 'pg_get_function_result', 'pg_get_function_arguments', 'pg_get_function_identity_arguments',
  'pg_get_triggerdef', 'pg_get_ruledef', 'pg_get_serial_sequence', 'pg_get_statisticsobjdef_columns',
  'has_table_privilege', 'has_schema_privilege', 'has_database_privilege', 'has_column_privilege',
  'has_any_column_privilege', 'has_function_privilege', 'has_sequence_privilege', 'has_type_privilege', 'pg_has_role',
  'set_config', 'current_setting', 'pg_table_is_visible', 'pg_type_is_visible', 'pg_function_is_visible',
  'obj_description', 'col_description', 'shobj_description', 'pg_encoding_to_char', 'pg_backend_pid', 'pg_is_in_recovery',
  'pg_postmaster_start_time', 'txid_current', 'pg_total_relation_size', 'pg_relation_size', 'pg_table_size',
  'pg_indexes_size', 'pg_size_pretty', 'pg_tablespace_location', 'pg_is_other_temp_schema', 'pg_my_temp_schema',
  'array_upper', 'array_lower', '_pg_expandarray', 'quote_ident', 'pg_relation_is_publishable', 'pg_get_keywords',
  'pg_jit_available', 'pg_char_to_encoding', 'to_regclass', 'to_regtype', 'pg_sleep', 'pg_stat_get_numscans',
]);

const EMPTY = (cols: string): string => `SELECT ${cols} WHERE false`;

/** The DDL run once per catalog database (after the TEMP tables exist in that connection). */
export function catalogDefinitionSql(): string[] {
  const n = NAMESPACE;
  return [
    `CREATE SCHEMA k3pg`,
    `CREATE TABLE k3pg.k3_types(oid BIGINT, typname VARCHAR, typlen SMALLINT, typtype VARCHAR, typcategory VARCHAR, typelem BIGINT, typarray BIGINT, fmt VARCHAR)`,
    `INSERT INTO k3pg.k3_types VALUES ${typeRows()}`,
    `CREATE VIEW k3pg.pg_namespace AS SELECT * FROM (VALUES (${n.pg_catalog}::BIGINT, 'pg_catalog', 10::BIGINT, NULL::VARCHAR[]), (${n.main}, 'main', 10, NULL), (${n.information_schema}, 'information_schema', 10, NULL)) t(oid, nspname, nspowner, nspacl)`,
    `CREATE VIEW k3pg.pg_class AS
       SELECT oid, relname, ${n.main}::BIGINT AS relnamespace, oid + 3 AS reltype, 0::BIGINT AS reloftype, 10::BIGINT AS relowner, 2::BIGINT AS relam,
         oid AS relfilenode, 0::BIGINT AS reltablespace, (sizebytes // 8192)::INTEGER AS relpages, rowcount::FLOAT AS reltuples, 0 AS relallvisible,
         0::BIGINT AS reltoastrelid, len(pk_attnums) > 0 AS relhasindex, false AS relisshared, 'p' AS relpersistence, 'r' AS relkind,
         (SELECT count(*) FROM temp.main.k3_att a WHERE a.attrelid = r.oid)::SMALLINT AS relnatts, 0::SMALLINT AS relchecks, false AS relhasrules,
         false AS relhastriggers, false AS relhassubclass, false AS relrowsecurity, false AS relforcerowsecurity, true AS relispopulated,
         'd' AS relreplident, false AS relispartition, 0::BIGINT AS relrewrite, 0::BIGINT AS relfrozenxid, 0::BIGINT AS relminmxid,
         NULL::VARCHAR[] AS relacl, NULL::VARCHAR[] AS reloptions, NULL::VARCHAR AS relpartbound
       FROM temp.main.k3_rel r
       UNION ALL
       SELECT oid + 1, relname || '_pkey', ${n.main}, 0, 0, 10, 403, oid + 1, 0, 1, 0, 0, 0, false, false, 'p', 'i', len(pk_attnums)::SMALLINT, 0,
         false, false, false, false, false, true, 'n', false, 0, 0, 0, NULL, NULL, NULL
       FROM temp.main.k3_rel r WHERE len(pk_attnums) > 0`,
    `CREATE VIEW k3pg.pg_attribute AS
       SELECT attrelid, attname, atttypid, -1 AS attstattarget, attlen, attnum, (CASE WHEN duckdb_type LIKE '%[]' THEN 1 ELSE 0 END)::SMALLINT AS attndims,
         -1 AS attcacheoff, atttypmod, attlen > 0 AS attbyval, 'i' AS attalign, 'x' AS attstorage, '' AS attcompression, attnotnull,
         attdefault IS NOT NULL AS atthasdef, false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped,
         true AS attislocal, 0 AS attinhcount, (CASE WHEN atttypid IN (25, 1043) THEN 100 ELSE 0 END)::BIGINT AS attcollation,
         NULL::VARCHAR[] AS attacl, NULL::VARCHAR[] AS attoptions, NULL::VARCHAR[] AS attfdwoptions, NULL::VARCHAR AS attmissingval
       FROM temp.main.k3_att
       UNION ALL
       SELECT r.oid + 1, a.attname, a.atttypid, -1, a.attlen, k.i::SMALLINT, 0, -1, a.atttypmod, a.attlen > 0, 'i', 'p', '', a.attnotnull, false, false, '', '', false,
         true, 0, 0, NULL, NULL, NULL, NULL
       FROM temp.main.k3_rel r, LATERAL (SELECT unnest(range(1, len(r.pk_attnums) + 1)) AS i) k, temp.main.k3_att a
       WHERE a.attrelid = r.oid AND a.attnum = r.pk_attnums[k.i]`,
    `CREATE VIEW k3pg.pg_type AS
       SELECT oid, typname, ${n.pg_catalog}::BIGINT AS typnamespace, 10::BIGINT AS typowner, typlen, typlen > 0 AS typbyval, typtype, typcategory,
         false AS typispreferred, true AS typisdefined, ',' AS typdelim, 0::BIGINT AS typrelid, '-' AS typsubscript, typelem, typarray,
         typname || 'in' AS typinput, typname || 'out' AS typoutput, typname || 'recv' AS typreceive, typname || 'send' AS typsend,
         '-' AS typmodin, '-' AS typmodout, '-' AS typanalyze, 'i' AS typalign, 'p' AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype,
         -1 AS typtypmod, 0 AS typndims, (CASE WHEN oid IN (25, 1043, 1042, 19) THEN 100 ELSE 0 END)::BIGINT AS typcollation,
         NULL::VARCHAR AS typdefaultbin, NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl
       FROM k3pg.k3_types
       UNION ALL
       SELECT oid + 3, relname, ${n.main}, 10, -1, false, 'c', 'C', false, true, ',', oid, '-', 0, 0, 'record_in', 'record_out', 'record_recv',
         'record_send', '-', '-', '-', 'd', 'x', false, 0, -1, 0, 0, NULL, NULL, NULL
       FROM temp.main.k3_rel`,
    `CREATE VIEW k3pg.pg_index AS
       SELECT oid + 1 AS indexrelid, oid AS indrelid, len(pk_attnums)::SMALLINT AS indnatts, len(pk_attnums)::SMALLINT AS indnkeyatts, true AS indisunique,
         false AS indnullsnotdistinct, true AS indisprimary, false AS indisexclusion, true AS indimmediate, false AS indisclustered, true AS indisvalid,
         false AS indcheckxmin, true AS indisready, true AS indislive, false AS indisreplident, pk_attnums AS indkey,
         list_transform(pk_attnums, x -> 0::BIGINT) AS indcollation, list_transform(pk_attnums, x -> 0::BIGINT) AS indclass,
         list_transform(pk_attnums, x -> 0::SMALLINT) AS indoption, NULL::VARCHAR AS indexprs, NULL::VARCHAR AS indpred
       FROM temp.main.k3_rel WHERE len(pk_attnums) > 0`,
    `CREATE VIEW k3pg.pg_constraint AS
       SELECT oid + 2 AS oid, relname || '_pkey' AS conname, ${n.main}::BIGINT AS connamespace, 'p' AS contype, false AS condeferrable, false AS condeferred,
         true AS convalidated, oid AS conrelid, 0::BIGINT AS contypid, oid + 1 AS conindid, 0::BIGINT AS conparentid, 0::BIGINT AS confrelid,
         ' ' AS confupdtype, ' ' AS confdeltype, ' ' AS confmatchtype, true AS conislocal, 0 AS coninhcount, true AS connoinherit,
         pk_attnums AS conkey, NULL::SMALLINT[] AS confkey, NULL::BIGINT[] AS conpfeqop, NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop,
         NULL::SMALLINT[] AS confdelsetcols, NULL::BIGINT[] AS conexclop, NULL::VARCHAR AS conbin
       FROM temp.main.k3_rel WHERE len(pk_attnums) > 0`,
    `CREATE VIEW k3pg.pg_database AS
       SELECT 16384::BIGINT AS oid, bucket AS datname, 10::BIGINT AS datdba, 6 AS encoding, 'c' AS datlocprovider, false AS datistemplate,
         true AS datallowconn, -1 AS datconnlimit, 0::BIGINT AS datfrozenxid, 0::BIGINT AS datminmxid, 1663::BIGINT AS dattablespace,
         'C.UTF-8' AS datcollate, 'C.UTF-8' AS datctype, NULL::VARCHAR AS daticulocale, NULL::VARCHAR AS datcollversion, NULL::VARCHAR[] AS datacl
       FROM temp.main.k3_session`,
    `CREATE VIEW k3pg.pg_settings AS
       SELECT name, setting, NULL::VARCHAR AS unit, 'k3' AS category, '' AS short_desc, NULL::VARCHAR AS extra_desc, 'user' AS context,
         'string' AS vartype, 'session' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val, NULL::VARCHAR[] AS enumvals,
         setting AS boot_val, setting AS reset_val, NULL::VARCHAR AS sourcefile, NULL::INTEGER AS sourceline, false AS pending_restart
       FROM temp.main.k3_settings`,
    `CREATE VIEW k3pg.pg_description AS
       SELECT oid AS objoid, 1259::BIGINT AS classoid, 0 AS objsubid, description FROM temp.main.k3_rel WHERE description <> ''`,
    `CREATE VIEW k3pg.pg_attrdef AS
       SELECT attrelid * 1000 + attnum AS oid, attrelid AS adrelid, attnum AS adnum, attdefault AS adbin FROM temp.main.k3_att WHERE attdefault IS NOT NULL`,
    `CREATE VIEW k3pg.pg_am AS SELECT * FROM (VALUES (2::BIGINT, 'heap', 'heap_tableam_handler', 't'), (403, 'btree', 'bthandler', 'i')) t(oid, amname, amhandler, amtype)`,
    `CREATE VIEW k3pg.pg_roles AS
       SELECT usr AS rolname, false AS rolsuper, false AS rolinherit, false AS rolcreaterole, false AS rolcreatedb, true AS rolcanlogin,
         false AS rolreplication, -1 AS rolconnlimit, '********' AS rolpassword, NULL::TIMESTAMP AS rolvaliduntil, false AS rolbypassrls,
         NULL::VARCHAR[] AS rolconfig, 10::BIGINT AS oid FROM temp.main.k3_session`,
    `CREATE VIEW k3pg.pg_authid AS SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, NULL::VARCHAR AS rolpassword, rolvaliduntil FROM k3pg.pg_roles`,
    `CREATE VIEW k3pg.pg_user AS
       SELECT usr AS usename, 10::BIGINT AS usesysid, false AS usecreatedb, false AS usesuper, false AS userepl, false AS usebypassrls,
         '********' AS passwd, NULL::TIMESTAMP AS valuntil, NULL::VARCHAR[] AS useconfig FROM temp.main.k3_session`,
    `CREATE VIEW k3pg.pg_tablespace AS SELECT * FROM (VALUES (1663::BIGINT, 'pg_default', 10::BIGINT, NULL::VARCHAR[], NULL::VARCHAR[])) t(oid, spcname, spcowner, spcacl, spcoptions)`,
    `CREATE VIEW k3pg.pg_collation AS SELECT * FROM (VALUES (100::BIGINT, 'default', ${n.pg_catalog}::BIGINT, 10::BIGINT, 'd', true, -1, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR)) t(oid, collname, collnamespace, collowner, collprovider, collisdeterministic, collencoding, collcollate, collctype, colliculocale, collversion)`,
    `CREATE VIEW k3pg.pg_language AS SELECT * FROM (VALUES (12::BIGINT, 'internal'), (13, 'c'), (14, 'sql')) t(oid, lanname)`,
    `CREATE VIEW k3pg.pg_tables AS
       SELECT 'main' AS schemaname, relname AS tablename, (SELECT usr FROM temp.main.k3_session) AS tableowner, NULL::VARCHAR AS tablespace,
         len(pk_attnums) > 0 AS hasindexes, false AS hasrules, false AS hastriggers, false AS rowsecurity FROM temp.main.k3_rel`,
    `CREATE VIEW k3pg.pg_indexes AS
       SELECT 'main' AS schemaname, relname AS tablename, relname || '_pkey' AS indexname, NULL::VARCHAR AS tablespace, k3pg_pg_get_indexdef(oid + 1) AS indexdef
       FROM temp.main.k3_rel WHERE len(pk_attnums) > 0`,
    `CREATE VIEW k3pg.pg_stat_user_tables AS
       SELECT oid AS relid, 'main' AS schemaname, relname, 0::BIGINT AS seq_scan, 0::BIGINT AS seq_tup_read, 0::BIGINT AS idx_scan, 0::BIGINT AS idx_tup_fetch,
         0::BIGINT AS n_tup_ins, 0::BIGINT AS n_tup_upd, 0::BIGINT AS n_tup_del, 0::BIGINT AS n_tup_hot_upd, rowcount AS n_live_tup, 0::BIGINT AS n_dead_tup,
         NULL::TIMESTAMP AS last_vacuum, NULL::TIMESTAMP AS last_autovacuum, NULL::TIMESTAMP AS last_analyze, NULL::TIMESTAMP AS last_autoanalyze
       FROM temp.main.k3_rel`,
    `CREATE VIEW k3pg.pg_stat_all_tables AS SELECT * FROM k3pg.pg_stat_user_tables`,
    `CREATE VIEW k3pg.pg_statio_user_tables AS SELECT relid, schemaname, relname, 0::BIGINT AS heap_blks_read, 0::BIGINT AS heap_blks_hit FROM k3pg.pg_stat_user_tables`,
    `CREATE VIEW k3pg.pg_stat_activity AS
       SELECT 16384::BIGINT AS datid, bucket AS datname, pid, usr AS usename, '' AS application_name, NULL::VARCHAR AS client_addr, 'active' AS state,
         '' AS query, NULL::TIMESTAMP AS backend_start, NULL::TIMESTAMP AS query_start FROM temp.main.k3_session`,
    `CREATE VIEW k3pg.pg_enum AS ${EMPTY('0::BIGINT AS oid, 0::BIGINT AS enumtypid, 0::FLOAT AS enumsortorder, \'\' AS enumlabel')}`,
    `CREATE VIEW k3pg.pg_proc AS ${EMPTY(`0::BIGINT AS oid, '' AS proname, 0::BIGINT AS pronamespace, 0::BIGINT AS proowner, 0::BIGINT AS prolang, 0::FLOAT AS procost,
       0::FLOAT AS prorows, 0::BIGINT AS provariadic, '' AS prosupport, 'f' AS prokind, false AS prosecdef, false AS proleakproof, false AS proisstrict,
       false AS proretset, 'i' AS provolatile, 's' AS proparallel, 0::SMALLINT AS pronargs, 0::SMALLINT AS pronargdefaults, 0::BIGINT AS prorettype,
       []::BIGINT[] AS proargtypes, NULL::BIGINT[] AS proallargtypes, NULL::VARCHAR[] AS proargmodes, NULL::VARCHAR[] AS proargnames,
       NULL::VARCHAR AS proargdefaults, NULL::BIGINT[] AS protrftypes, '' AS prosrc, NULL::VARCHAR AS probin, NULL::VARCHAR AS prosqlbody,
       NULL::VARCHAR[] AS proconfig, NULL::VARCHAR[] AS proacl`)}`,
    `CREATE VIEW k3pg.pg_inherits AS ${EMPTY('0::BIGINT AS inhrelid, 0::BIGINT AS inhparent, 0 AS inhseqno, false AS inhdetachpending')}`,
    `CREATE VIEW k3pg.pg_partitioned_table AS ${EMPTY("0::BIGINT AS partrelid, '' AS partstrat, 0::SMALLINT AS partnatts, 0::BIGINT AS partdefid, []::SMALLINT[] AS partattrs")}`,
    `CREATE VIEW k3pg.pg_extension AS ${EMPTY("0::BIGINT AS oid, '' AS extname, 0::BIGINT AS extowner, 0::BIGINT AS extnamespace, false AS extrelocatable, '' AS extversion, NULL::BIGINT[] AS extconfig, NULL::VARCHAR[] AS extcondition")}`,
    `CREATE VIEW k3pg.pg_available_extensions AS ${EMPTY("'' AS name, '' AS default_version, NULL::VARCHAR AS installed_version, '' AS comment")}`,
    `CREATE VIEW k3pg.pg_trigger AS ${EMPTY("0::BIGINT AS oid, 0::BIGINT AS tgrelid, 0::BIGINT AS tgparentid, '' AS tgname, 0::BIGINT AS tgfoid, 0::SMALLINT AS tgtype, 'O' AS tgenabled, false AS tgisinternal, 0::BIGINT AS tgconstrrelid, 0::BIGINT AS tgconstrindid, 0::BIGINT AS tgconstraint, false AS tgdeferrable, false AS tginitdeferred, 0::SMALLINT AS tgnargs, []::SMALLINT[] AS tgattr")}`,
    `CREATE VIEW k3pg.pg_rewrite AS ${EMPTY("0::BIGINT AS oid, '' AS rulename, 0::BIGINT AS ev_class, '' AS ev_type, '' AS ev_enabled, false AS is_instead")}`,
    `CREATE VIEW k3pg.pg_policy AS ${EMPTY("0::BIGINT AS oid, '' AS polname, 0::BIGINT AS polrelid, '' AS polcmd, true AS polpermissive, []::BIGINT[] AS polroles, NULL::VARCHAR AS polqual, NULL::VARCHAR AS polwithcheck")}`,
    `CREATE VIEW k3pg.pg_statistic_ext AS ${EMPTY("0::BIGINT AS oid, 0::BIGINT AS stxrelid, '' AS stxname, 0::BIGINT AS stxnamespace, 0::BIGINT AS stxowner, -1 AS stxstattarget, []::SMALLINT[] AS stxkeys, []::VARCHAR[] AS stxkind, NULL::VARCHAR AS stxexprs")}`,
    `CREATE VIEW k3pg.pg_publication AS ${EMPTY("0::BIGINT AS oid, '' AS pubname, 0::BIGINT AS pubowner, false AS puballtables, false AS pubinsert, false AS pubupdate, false AS pubdelete, false AS pubtruncate, false AS pubviaroot")}`,
    `CREATE VIEW k3pg.pg_publication_rel AS ${EMPTY('0::BIGINT AS oid, 0::BIGINT AS prpubid, 0::BIGINT AS prrelid, NULL::VARCHAR AS prqual, NULL::SMALLINT[] AS prattrs')}`,
    `CREATE VIEW k3pg.pg_publication_namespace AS ${EMPTY('0::BIGINT AS oid, 0::BIGINT AS pnpubid, 0::BIGINT AS pnnspid')}`,
    `CREATE VIEW k3pg.pg_foreign_table AS ${EMPTY('0::BIGINT AS ftrelid, 0::BIGINT AS ftserver, NULL::VARCHAR[] AS ftoptions')}`,
    `CREATE VIEW k3pg.pg_foreign_server AS ${EMPTY("0::BIGINT AS oid, '' AS srvname, 0::BIGINT AS srvowner, 0::BIGINT AS srvfdw")}`,
    `CREATE VIEW k3pg.pg_foreign_data_wrapper AS ${EMPTY("0::BIGINT AS oid, '' AS fdwname, 0::BIGINT AS fdwowner")}`,
    `CREATE VIEW k3pg.pg_sequence AS ${EMPTY('0::BIGINT AS seqrelid, 0::BIGINT AS seqtypid, 0::BIGINT AS seqstart, 0::BIGINT AS seqincrement, 0::BIGINT AS seqmax, 0::BIGINT AS seqmin, 0::BIGINT AS seqcache, false AS seqcycle')}`,
    `CREATE VIEW k3pg.pg_sequences AS ${EMPTY("'' AS schemaname, '' AS sequencename, '' AS sequenceowner")}`,
    `CREATE VIEW k3pg.pg_depend AS ${EMPTY("0::BIGINT AS classid, 0::BIGINT AS objid, 0 AS objsubid, 0::BIGINT AS refclassid, 0::BIGINT AS refobjid, 0 AS refobjsubid, 'n' AS deptype")}`,
    `CREATE VIEW k3pg.pg_shdepend AS ${EMPTY("0::BIGINT AS dbid, 0::BIGINT AS classid, 0::BIGINT AS objid, 0 AS objsubid, 0::BIGINT AS refclassid, 0::BIGINT AS refobjid, 'n' AS deptype")}`,
    `CREATE VIEW k3pg.pg_shdescription AS ${EMPTY("0::BIGINT AS objoid, 0::BIGINT AS classoid, '' AS description")}`,
    `CREATE VIEW k3pg.pg_auth_members AS ${EMPTY('0::BIGINT AS roleid, 0::BIGINT AS member, 0::BIGINT AS grantor, false AS admin_option')}`,
    `CREATE VIEW k3pg.pg_views AS ${EMPTY("'' AS schemaname, '' AS viewname, '' AS viewowner, '' AS definition")}`,
    `CREATE VIEW k3pg.pg_matviews AS ${EMPTY("'' AS schemaname, '' AS matviewname, '' AS matviewowner, NULL::VARCHAR AS tablespace, false AS hasindexes, true AS ispopulated, '' AS definition")}`,
    `CREATE VIEW k3pg.pg_event_trigger AS ${EMPTY("0::BIGINT AS oid, '' AS evtname, '' AS evtevent")}`,
    `CREATE VIEW k3pg.pg_range AS ${EMPTY('0::BIGINT AS rngtypid, 0::BIGINT AS rngsubtype, 0::BIGINT AS rngmultitypid')}`,
    `CREATE VIEW k3pg.pg_cast AS ${EMPTY("0::BIGINT AS oid, 0::BIGINT AS castsource, 0::BIGINT AS casttarget, 0::BIGINT AS castfunc, 'i' AS castcontext, 'f' AS castmethod")}`,
    `CREATE VIEW k3pg.pg_operator AS ${EMPTY("0::BIGINT AS oid, '' AS oprname, 0::BIGINT AS oprnamespace, 0::BIGINT AS oprleft, 0::BIGINT AS oprright, 0::BIGINT AS oprresult")}`,
    `CREATE VIEW k3pg.pg_opclass AS ${EMPTY("0::BIGINT AS oid, 0::BIGINT AS opcmethod, '' AS opcname, 0::BIGINT AS opcnamespace, true AS opcdefault")}`,
    `CREATE VIEW k3pg.pg_aggregate AS ${EMPTY("0::BIGINT AS aggfnoid, 'n' AS aggkind")}`,
    `CREATE VIEW k3pg.pg_timezone_names AS SELECT 'UTC' AS name, 'UTC' AS abbrev, INTERVAL 0 SECOND AS utc_offset, false AS is_dst`,
    `CREATE VIEW k3pg.pg_locks AS ${EMPTY("'' AS locktype, 0::BIGINT AS database, 0::BIGINT AS relation, 0 AS pid, '' AS mode, true AS granted")}`,
    `CREATE VIEW k3pg.pg_conversion AS ${EMPTY("0::BIGINT AS oid, '' AS conname")}`,
    `CREATE VIEW k3pg.pg_default_acl AS ${EMPTY("0::BIGINT AS oid, 0::BIGINT AS defaclrole, 0::BIGINT AS defaclnamespace, '' AS defaclobjtype, NULL::VARCHAR[] AS defaclacl")}`,
    `CREATE VIEW k3pg.pg_init_privs AS ${EMPTY("0::BIGINT AS objoid, 0::BIGINT AS classoid, 0 AS objsubid, '' AS privtype, NULL::VARCHAR[] AS initprivs")}`,
    `CREATE VIEW k3pg.pg_largeobject_metadata AS ${EMPTY('0::BIGINT AS oid, 0::BIGINT AS lomowner, NULL::VARCHAR[] AS lomacl')}`,
    // ── information_schema ────────────────────────────────────────────────────────
    `CREATE VIEW k3pg.is_tables AS
       SELECT s.bucket AS table_catalog, 'main' AS table_schema, r.relname AS table_name, 'BASE TABLE' AS table_type,
         NULL::VARCHAR AS self_referencing_column_name, NULL::VARCHAR AS reference_generation, NULL::VARCHAR AS user_defined_type_catalog,
         NULL::VARCHAR AS user_defined_type_schema, NULL::VARCHAR AS user_defined_type_name, 'YES' AS is_insertable_into, 'NO' AS is_typed,
         NULL::VARCHAR AS commit_action
       FROM temp.main.k3_rel r, temp.main.k3_session s`,
    `CREATE VIEW k3pg.is_columns AS
       SELECT s.bucket AS table_catalog, 'main' AS table_schema, r.relname AS table_name, a.attname AS column_name, a.attnum::INTEGER AS ordinal_position,
         a.attdefault AS column_default, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
         CASE WHEN a.duckdb_type LIKE '%[]' THEN 'ARRAY' WHEN t.typname = 'numeric' THEN 'numeric' ELSE coalesce(t.fmt, 'text') END AS data_type,
         NULL::INTEGER AS character_maximum_length, CASE WHEN t.typcategory = 'S' THEN 1073741824 END AS character_octet_length,
         CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53 WHEN 1700 THEN ((a.atttypmod - 4) >> 16) END AS numeric_precision,
         CASE WHEN a.atttypid IN (21, 23, 20, 1700) THEN 10 WHEN a.atttypid IN (700, 701) THEN 2 END AS numeric_precision_radix,
         CASE WHEN a.atttypid IN (21, 23, 20) THEN 0 WHEN a.atttypid = 1700 THEN ((a.atttypmod - 4) & 65535) END AS numeric_scale,
         CASE WHEN t.typcategory = 'D' THEN 6 END AS datetime_precision, NULL::VARCHAR AS interval_type, NULL::INTEGER AS interval_precision,
         NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, NULL::VARCHAR AS character_set_name,
         NULL::VARCHAR AS collation_catalog, NULL::VARCHAR AS collation_schema, NULL::VARCHAR AS collation_name,
         NULL::VARCHAR AS domain_catalog, NULL::VARCHAR AS domain_schema, NULL::VARCHAR AS domain_name,
         s.bucket AS udt_catalog, 'pg_catalog' AS udt_schema, coalesce(t.typname, 'text') AS udt_name, NULL::VARCHAR AS scope_catalog,
         NULL::VARCHAR AS scope_schema, NULL::VARCHAR AS scope_name, NULL::INTEGER AS maximum_cardinality, a.attnum::VARCHAR AS dtd_identifier,
         'NO' AS is_self_referencing, 'NO' AS is_identity, NULL::VARCHAR AS identity_generation, NULL::VARCHAR AS identity_start,
         NULL::VARCHAR AS identity_increment, NULL::VARCHAR AS identity_maximum, NULL::VARCHAR AS identity_minimum, 'NO' AS identity_cycle,
         'NEVER' AS is_generated, NULL::VARCHAR AS generation_expression, 'YES' AS is_updatable
       FROM temp.main.k3_att a JOIN temp.main.k3_rel r ON r.oid = a.attrelid LEFT JOIN k3pg.k3_types t ON t.oid = a.atttypid, temp.main.k3_session s`,
    `CREATE VIEW k3pg.is_table_constraints AS
       SELECT s.bucket AS constraint_catalog, 'main' AS constraint_schema, r.relname || '_pkey' AS constraint_name, s.bucket AS table_catalog,
         'main' AS table_schema, r.relname AS table_name, 'PRIMARY KEY' AS constraint_type, 'NO' AS is_deferrable, 'NO' AS initially_deferred,
         'YES' AS enforced, NULL::VARCHAR AS nulls_distinct
       FROM temp.main.k3_rel r, temp.main.k3_session s WHERE len(r.pk_attnums) > 0`,
    `CREATE VIEW k3pg.is_key_column_usage AS
       SELECT s.bucket AS constraint_catalog, 'main' AS constraint_schema, r.relname || '_pkey' AS constraint_name, s.bucket AS table_catalog,
         'main' AS table_schema, r.relname AS table_name, r.pk_names[k.i] AS column_name, k.i::INTEGER AS ordinal_position,
         NULL::INTEGER AS position_in_unique_constraint
       FROM temp.main.k3_rel r, LATERAL (SELECT unnest(range(1, len(r.pk_attnums) + 1)) AS i) k, temp.main.k3_session s`,
    `CREATE VIEW k3pg.is_constraint_column_usage AS
       SELECT table_catalog, table_schema, table_name, column_name, constraint_catalog, constraint_schema, constraint_name FROM k3pg.is_key_column_usage`,
    `CREATE VIEW k3pg.is_schemata AS
       SELECT s.bucket AS catalog_name, n.nspname AS schema_name, s.usr AS schema_owner, NULL::VARCHAR AS default_character_set_catalog,
         NULL::VARCHAR AS default_character_set_schema, NULL::VARCHAR AS default_character_set_name, NULL::VARCHAR AS sql_path
       FROM k3pg.pg_namespace n, temp.main.k3_session s`,
    `CREATE VIEW k3pg.is_views AS ${EMPTY("'' AS table_catalog, '' AS table_schema, '' AS table_name, '' AS view_definition, 'NONE' AS check_option, 'NO' AS is_updatable, 'NO' AS is_insertable_into")}`,
    `CREATE VIEW k3pg.is_routines AS ${EMPTY("'' AS specific_catalog, '' AS specific_schema, '' AS specific_name, '' AS routine_catalog, '' AS routine_schema, '' AS routine_name, '' AS routine_type, '' AS data_type, '' AS routine_definition, '' AS external_language")}`,
    `CREATE VIEW k3pg.is_parameters AS ${EMPTY("'' AS specific_catalog, '' AS specific_schema, '' AS specific_name, 0 AS ordinal_position, '' AS parameter_mode, '' AS parameter_name, '' AS data_type")}`,
    `CREATE VIEW k3pg.is_referential_constraints AS ${EMPTY("'' AS constraint_catalog, '' AS constraint_schema, '' AS constraint_name, '' AS unique_constraint_catalog, '' AS unique_constraint_schema, '' AS unique_constraint_name, '' AS match_option, '' AS update_rule, '' AS delete_rule")}`,
    `CREATE VIEW k3pg.is_check_constraints AS ${EMPTY("'' AS constraint_catalog, '' AS constraint_schema, '' AS constraint_name, '' AS check_clause")}`,
    `CREATE VIEW k3pg.is_sequences AS ${EMPTY("'' AS sequence_catalog, '' AS sequence_schema, '' AS sequence_name, '' AS data_type")}`,
    `CREATE VIEW k3pg.is_triggers AS ${EMPTY("'' AS trigger_catalog, '' AS trigger_schema, '' AS trigger_name, '' AS event_manipulation, '' AS event_object_table")}`,
    `CREATE VIEW k3pg.is_character_sets AS SELECT NULL::VARCHAR AS character_set_catalog, NULL::VARCHAR AS character_set_schema, 'UTF8' AS character_set_name, 'UCS' AS character_repertoire, 'UTF8' AS form_of_use, (SELECT bucket FROM temp.main.k3_session) AS default_collate_catalog, 'pg_catalog' AS default_collate_schema, 'C.UTF-8' AS default_collate_name`,
  ];
}

/** Catalog functions as macros (created before the views that use them). */
export function catalogMacroSql(): string[] {
  const setting = (name: string): string => `(SELECT setting FROM temp.main.k3_settings WHERE name = ${lit(name)})`;
  const indexDef = (idx: string): string =>
    `(SELECT 'CREATE UNIQUE INDEX ' || relname || '_pkey ON main.' || relname || ' USING btree (' || array_to_string(pk_names, ', ') || ')' FROM temp.main.k3_rel WHERE oid + 1 = ${idx})`;
  const constraintDef = (c: string): string => `(SELECT 'PRIMARY KEY (' || array_to_string(pk_names, ', ') || ')' FROM temp.main.k3_rel WHERE oid + 2 = ${c})`;
  // A relation name (optionally main./public./pg_catalog.-qualified) → its OID; catalog relations have PostgreSQL's own.
  const bare = `lower(regexp_replace(regexp_replace(x::VARCHAR, '^("?main"?|"?public"?|"?pg_catalog"?)\\.', ''), '"', '', 'g'))`;
  const relByName = `coalesce((SELECT oid FROM temp.main.k3_rel WHERE lower(relname) = ${bare}),
    CASE ${bare} WHEN 'pg_class' THEN 1259 WHEN 'pg_namespace' THEN 2615 WHEN 'pg_type' THEN 1247 WHEN 'pg_attribute' THEN 1249
      WHEN 'pg_proc' THEN 1255 WHEN 'pg_database' THEN 1262 WHEN 'pg_constraint' THEN 2606 WHEN 'pg_index' THEN 2610 END)`;
  return [
    `CREATE MACRO k3pg_version() AS ${lit(VERSION_TEXT)}`,
    `CREATE MACRO k3pg_current_database() AS (SELECT bucket FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_current_catalog() AS (SELECT bucket FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_current_schema() AS 'main'`,
    `CREATE MACRO k3pg_current_schemas(implicit) AS CASE WHEN implicit THEN ['pg_catalog', 'main'] ELSE ['main'] END`,
    `CREATE MACRO k3pg_current_user() AS (SELECT usr FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_session_user() AS (SELECT usr FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_user() AS (SELECT usr FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_current_role() AS (SELECT usr FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_pg_backend_pid() AS (SELECT pid FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_format_type(type_oid, typmod) AS
       CASE WHEN type_oid IS NULL THEN NULL
            WHEN type_oid = 1700 AND typmod > 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || ((typmod - 4) & 65535) || ')'
            ELSE coalesce((SELECT fmt FROM k3pg.k3_types WHERE oid = type_oid), (SELECT lower(relname) FROM temp.main.k3_rel WHERE oid + 3 = type_oid), '???') END`,
    `CREATE MACRO k3pg_pg_get_expr(expr, relid) AS expr, (expr, relid, pretty) AS expr`,
    `CREATE MACRO k3pg_pg_get_indexdef(idx) AS ${indexDef('idx')},
       (idx, col, pretty) AS CASE WHEN col = 0 THEN ${indexDef('idx')} ELSE (SELECT pk_names[col] FROM temp.main.k3_rel WHERE oid + 1 = idx) END`,
    `CREATE MACRO k3pg_pg_get_constraintdef(c) AS ${constraintDef('c')}, (c, pretty) AS ${constraintDef('c')}`,
    `CREATE MACRO k3pg_pg_get_partkeydef(r) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_viewdef(r) AS NULL::VARCHAR, (r, pretty) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_userbyid(u) AS (SELECT usr FROM temp.main.k3_session)`,
    `CREATE MACRO k3pg_pg_get_function_result(f) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_function_arguments(f) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_function_identity_arguments(f) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_triggerdef(t) AS NULL::VARCHAR, (t, pretty) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_ruledef(t) AS NULL::VARCHAR, (t, pretty) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_serial_sequence(t, c) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_get_statisticsobjdef_columns(o) AS NULL::VARCHAR`,
    ...['table', 'schema', 'database', 'function', 'sequence', 'type', 'any_column'].map(
      (k) => `CREATE MACRO k3pg_has_${k}_privilege(a, b) AS true, (a, b, c) AS true`,
    ),
    `CREATE MACRO k3pg_has_column_privilege(a, b, c) AS true, (a, b, c, d) AS true`,
    `CREATE MACRO k3pg_pg_has_role(a, b) AS true, (a, b, c) AS true`,
    `CREATE MACRO k3pg_set_config(setting_name, new_value, is_local) AS new_value`,
    `CREATE MACRO k3pg_current_setting(setting_name) AS (SELECT setting FROM temp.main.k3_settings s WHERE s.name = lower(setting_name)),
       (setting_name, missing_ok) AS (SELECT setting FROM temp.main.k3_settings s WHERE s.name = lower(setting_name))`,
    `CREATE MACRO k3pg_pg_table_is_visible(r) AS true`,
    `CREATE MACRO k3pg_pg_type_is_visible(t) AS true`,
    `CREATE MACRO k3pg_pg_function_is_visible(f) AS true`,
    `CREATE MACRO k3pg_obj_description(o) AS (SELECT nullif(description, '') FROM temp.main.k3_rel WHERE oid = o),
       (o, cat) AS (SELECT nullif(description, '') FROM temp.main.k3_rel WHERE oid = o AND cat = 'pg_class')`,
    `CREATE MACRO k3pg_col_description(o, n) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_shobj_description(o, cat) AS NULL::VARCHAR`,
    `CREATE MACRO k3pg_pg_encoding_to_char(e) AS 'UTF8'`,
    `CREATE MACRO k3pg_pg_char_to_encoding(e) AS 6`,
    `CREATE MACRO k3pg_pg_is_in_recovery() AS false`,
    `CREATE MACRO k3pg_pg_jit_available() AS false`,
    `CREATE MACRO k3pg_pg_postmaster_start_time() AS TIMESTAMP '2000-01-01 00:00:00'`,
    `CREATE MACRO k3pg_txid_current() AS 1::BIGINT`,
    `CREATE MACRO k3pg_pg_total_relation_size(r) AS (SELECT sizebytes FROM temp.main.k3_rel WHERE oid = r)`,
    `CREATE MACRO k3pg_pg_relation_size(r) AS (SELECT sizebytes FROM temp.main.k3_rel WHERE oid = r), (r, fork) AS (SELECT sizebytes FROM temp.main.k3_rel WHERE oid = r)`,
    `CREATE MACRO k3pg_pg_table_size(r) AS (SELECT sizebytes FROM temp.main.k3_rel WHERE oid = r)`,
    `CREATE MACRO k3pg_pg_indexes_size(r) AS 0::BIGINT`,
    `CREATE MACRO k3pg_pg_size_pretty(b) AS format_bytes(b::BIGINT)`,
    `CREATE MACRO k3pg_pg_tablespace_location(t) AS ''`,
    `CREATE MACRO k3pg_pg_is_other_temp_schema(n) AS false`,
    `CREATE MACRO k3pg_pg_my_temp_schema() AS 0::BIGINT`,
    `CREATE MACRO k3pg_pg_relation_is_publishable(r) AS false`,
    `CREATE MACRO k3pg_pg_sleep(s) AS NULL`,
    `CREATE MACRO k3pg_pg_stat_get_numscans(r) AS 0::BIGINT`,
    `CREATE MACRO k3pg_array_upper(a, d) AS CASE WHEN len(a) = 0 THEN NULL ELSE len(a) END`,
    `CREATE MACRO k3pg_array_lower(a, d) AS CASE WHEN len(a) = 0 THEN NULL ELSE 1 END`,
    `CREATE MACRO k3pg__pg_expandarray(a) AS unnest(list_transform(range(1, len(a) + 1), i -> {'x': a[i], 'n': i}))`,
    `CREATE MACRO k3pg_quote_ident(s) AS CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_]*') THEN s ELSE '"' || replace(s, '"', '""') || '"' END`,
    `CREATE MACRO k3pg_pg_get_keywords() AS TABLE SELECT '' AS word, '' AS catcode, '' AS catdesc WHERE false`,
    `CREATE MACRO k3pg_regclass(x) AS CASE WHEN x IS NULL THEN NULL WHEN typeof(x) = 'VARCHAR' THEN coalesce(${relByName}, -1) ELSE x::BIGINT END`,
    `CREATE MACRO k3pg_to_regclass(x) AS ${relByName}`,
    `CREATE MACRO k3pg_regclass_out(o) AS coalesce((SELECT relname FROM temp.main.k3_rel WHERE oid = o), (SELECT relname || '_pkey' FROM temp.main.k3_rel WHERE oid + 1 = o),
       CASE o WHEN 1259 THEN 'pg_class' WHEN 2615 THEN 'pg_namespace' WHEN 1247 THEN 'pg_type' WHEN 1249 THEN 'pg_attribute' WHEN 1255 THEN 'pg_proc'
         WHEN 1262 THEN 'pg_database' WHEN 2606 THEN 'pg_constraint' WHEN 2610 THEN 'pg_index' END, o::VARCHAR)`,
    `CREATE MACRO k3pg_regtype_out(o) AS coalesce((SELECT fmt FROM k3pg.k3_types WHERE oid = o), o::VARCHAR)`,
    `CREATE MACRO k3pg_regtype(x) AS CASE WHEN x IS NULL THEN NULL WHEN typeof(x) = 'VARCHAR' THEN (SELECT oid FROM k3pg.k3_types WHERE typname = lower(x::VARCHAR) OR fmt = lower(x::VARCHAR) LIMIT 1) ELSE x::BIGINT END`,
    `CREATE MACRO k3pg_to_regtype(x) AS (SELECT oid FROM k3pg.k3_types WHERE typname = lower(x) OR fmt = lower(x) LIMIT 1)`,
    `CREATE MACRO k3pg_regnamespace(x) AS CASE WHEN x IS NULL THEN NULL WHEN typeof(x) = 'VARCHAR' THEN (SELECT oid FROM k3pg.pg_namespace WHERE nspname = x::VARCHAR) ELSE x::BIGINT END`,
    `CREATE MACRO k3pg_regproc(x) AS x::VARCHAR`,
    `CREATE MACRO k3pg_regrole(x) AS (SELECT usr FROM temp.main.k3_session)`,
    // current_setting of a name that is not a plain identifier (e.g. server_version_num) still resolves.
    `CREATE MACRO k3pg_server_version_num() AS ${setting('server_version_num')}`,
  ];
}
