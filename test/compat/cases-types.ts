/**
 * Compatibility cases for DuckDB's type system on Delta (issue 15), from DuckDB's documentation of
 * data types (duckdb.org/docs/sql/data_types), nested functions (list, array, struct, map),
 * constraints (CHECK) and RETURNING. Reads run over the `typed` fixture (fixtures.ts); writes work
 * on their own copies; each case is compared with plain DuckDB on the same data (run-case.ts).
 */
import type { CompatCase } from './cases.ts';
import { TYPED_COLUMNS } from './fixtures.ts';

const q = (id: string, sql: string, extra: Partial<CompatCase> = {}): CompatCase => ({ id, sql, ordered: /\bORDER BY\b[^()]*$/i.test(sql), ...extra });

/** A write case on a copy of `typed` named `w_<id>`: keyed (PRIMARY KEY) or not. */
function tw(id: string, sql: (t: string) => string, opts: { keyed?: boolean } = {}): CompatCase {
  const t = `w_${id.replaceAll('-', '_')}`;
  const columns = opts.keyed === false ? TYPED_COLUMNS.replace(' PRIMARY KEY', '') : TYPED_COLUMNS;
  return { id, setup: [`CREATE TABLE ${t} ${columns}`, `INSERT INTO ${t} SELECT * FROM typed`], sql: sql(t), verify: `SELECT * FROM ${t}` };
}

/** A table with CHECK constraints (keyed or not), for constraint cases. */
function ck(id: string, sql: (t: string) => string, opts: { keyed?: boolean; refusedWith?: string } = {}): CompatCase {
  const t = `ck_${id.replaceAll('-', '_')}`;
  const key = opts.keyed === false ? '' : ' PRIMARY KEY';
  return {
    id,
    setup: [
      `CREATE TABLE ${t} (id INTEGER${key}, qty INTEGER CHECK (qty >= 0), price DECIMAL(10,2), lo INTEGER, hi INTEGER, CONSTRAINT range_ok CHECK (lo <= hi), CONSTRAINT cheap CHECK (price < 1000))`,
      `INSERT INTO ${t} VALUES (1, 5, 9.99, 1, 2), (2, 0, NULL, NULL, 3), (3, NULL, 999.99, 4, 4)`,
    ],
    sql: sql(t),
    verify: `SELECT * FROM ${t}`,
    ...(opts.refusedWith !== undefined ? { refusedWith: opts.refusedWith } : {}),
  };
}

/** CTAS keeps the query's types: the new table reads back with DuckDB's types and values. */
function ctas(id: string, select: string, read = (t: string) => `SELECT * FROM ${t}`): CompatCase {
  const t = `ct_${id.replaceAll('-', '_')}`;
  return { id, setup: [`CREATE TABLE ${t} AS ${select}`], sql: read(t) };
}

export const TYPE_CASES: readonly CompatCase[] = [
  // ── the typed fixture as stored ─────────────────────────────────────────────────────
  q('type-select-star', 'SELECT * FROM typed'),
  q('type-typeof-all', 'SELECT DISTINCT typeof(COLUMNS(*)) FROM typed'),
  q('type-describe', 'DESCRIBE typed'),
  q('type-describe-query', 'DESCRIBE SELECT amount * 2, tags[1], attrs.color, props[\'x\'] FROM typed'),
  q('type-decimal-sum', 'SELECT sum(amount), avg(amount), min(amount), max(amount) FROM typed'),
  q('type-decimal-arith', 'SELECT id, amount * 3, amount / 7, amount + 0.001, -amount FROM typed ORDER BY id'),
  q('type-decimal-round', 'SELECT id, round(amount, 1), floor(amount), ceil(amount), trunc(amount) FROM typed ORDER BY id'),
  q('type-decimal-cast', 'SELECT id, amount::DECIMAL(18,4), amount::DOUBLE, amount::VARCHAR, amount::INTEGER FROM typed ORDER BY id'),
  q('type-decimal-compare', 'SELECT id FROM typed WHERE amount > 0.05 ORDER BY id'),
  q('type-decimal-group', 'SELECT amount > 0 AS pos, count(*), sum(amount) FROM typed GROUP BY ALL ORDER BY ALL'),
  q('type-tinyint-math', 'SELECT id, tiny, tiny::INTEGER + 1, tiny::INTEGER * 2, abs(tiny) FROM typed ORDER BY id'),
  q('type-tinyint-filter', 'SELECT id FROM typed WHERE tiny BETWEEN -10 AND 10 ORDER BY id'),
  q('type-hugeint', 'SELECT id, big, big + 1, big // 7, big % 1000 FROM typed ORDER BY id'),
  q('type-hugeint-agg', 'SELECT sum(big), min(big), max(big), count(big) FROM typed'),
  q('type-ubigint', 'SELECT id, ub, ub::VARCHAR, ub // 3 FROM typed ORDER BY id'),
  q('type-ubigint-max', 'SELECT max(ub), min(ub) FROM typed'),
  q('type-uuid', 'SELECT id, uid, uid::VARCHAR, upper(uid::VARCHAR) FROM typed ORDER BY id'),
  q('type-uuid-compare', "SELECT id FROM typed WHERE uid > '00000000-0000-0000-0000-000000000000' ORDER BY id"),
  q('type-uuid-order', 'SELECT uid FROM typed ORDER BY uid NULLS LAST'),
  q('type-timestamptz', 'SELECT id, seen, seen::TIMESTAMP, epoch(seen), date_trunc(\'day\', seen) FROM typed ORDER BY id'),
  q('type-timestamptz-arith', "SELECT id, seen + INTERVAL '1 hour', seen - TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM typed ORDER BY id"),
  q('type-timestamptz-parts', 'SELECT id, year(seen), month(seen), hour(seen), strftime(seen, \'%Y/%m/%d %H\') FROM typed ORDER BY id'),
  q('type-timestamptz-filter', "SELECT id FROM typed WHERE seen >= TIMESTAMPTZ '2026-05-28 00:00:00+00' ORDER BY id"),
  q('type-enum', 'SELECT id, mood, mood::VARCHAR, enum_code(mood) FROM typed ORDER BY id'),
  q('type-enum-order', 'SELECT mood FROM typed ORDER BY mood NULLS LAST'),
  q('type-enum-compare', "SELECT id FROM typed WHERE mood > 'sad' ORDER BY id"),
  q('type-enum-range', 'SELECT enum_range(mood) FROM typed WHERE id = 1'),
  q('type-enum-first-last', 'SELECT enum_first(mood), enum_last(mood) FROM typed WHERE id = 1'),
  q('type-interval', 'SELECT id, dur, to_seconds(1) + dur, datepart(\'day\', dur) FROM typed ORDER BY id'),
  q('type-interval-arith', "SELECT id, DATE '2026-01-31' + dur, dur * 2 FROM typed ORDER BY id"),
  q('type-time', 'SELECT id, t, hour(t), t + INTERVAL \'1 minute\' FROM typed ORDER BY id'),
  q('type-time-order', 'SELECT t FROM typed ORDER BY t NULLS FIRST'),
  q('type-array-fixed', 'SELECT id, vec, vec[2], array_length(vec) FROM typed ORDER BY id'),
  q('type-array-dot', 'SELECT id, array_dot_product(vec, [1.0, 1.0, 1.0]::DOUBLE[3]) FROM typed ORDER BY id'),
  q('type-array-distance', 'SELECT id, array_distance(vec, [0.0, 0.0, 0.0]::DOUBLE[3]) FROM typed ORDER BY id'),
  q('type-array-cosine', 'SELECT id, array_cosine_similarity(vec, [1.0, 2.0, 2.0]::DOUBLE[3]) FROM typed WHERE id IN (1, 4) ORDER BY id'),
  q('type-array-cross', 'SELECT id, array_cross_product(vec, [0.0, 0.0, 1.0]::DOUBLE[3]) FROM typed ORDER BY id'),
  q('type-nested-items', 'SELECT id, items, len(items), items[1].k FROM typed ORDER BY id'),
  q('type-nested-unnest', 'SELECT id, it FROM (SELECT id, unnest(items) AS it FROM typed) ORDER BY id, it.k'),
  q('type-nested-unnest-recursive', 'SELECT id, unnest(items, recursive := true) FROM typed ORDER BY ALL'),
  q('type-nested-json', 'SELECT id, to_json(items), to_json(attrs), to_json(props) FROM typed ORDER BY id'),
  q('type-nested-text', 'SELECT id, items::VARCHAR, attrs::VARCHAR, props::VARCHAR, tags::VARCHAR FROM typed ORDER BY id'),
  q('type-null-of-types', 'SELECT id, amount IS NULL, tags IS NULL, attrs IS NULL, props IS NULL, uid IS NULL FROM typed ORDER BY id'),
  q('type-group-by-list', 'SELECT tags, count(*) FROM typed GROUP BY tags'),
  q('type-group-by-struct', 'SELECT attrs, count(*) FROM typed GROUP BY attrs'),
  q('type-distinct-map', 'SELECT DISTINCT props FROM typed'),
  q('type-join-uuid', 'SELECT a.id, b.id FROM typed a JOIN typed b ON a.uid = b.uid ORDER BY a.id'),
  q('type-join-decimal', 'SELECT a.id, b.id FROM typed a JOIN typed b ON a.amount = b.amount ORDER BY a.id'),
  q('type-window-decimal', 'SELECT id, sum(amount) OVER (ORDER BY id) FROM typed ORDER BY id'),
  q('type-summarize', 'SELECT column_name, column_type, null_percentage FROM (SUMMARIZE typed) ORDER BY column_name'),

  // ── list functions (docs: sql/functions/list) ──────────────────────────────────────
  q('list-extract', 'SELECT id, tags[1], tags[-1], list_extract(scores, 2), scores[1:2] FROM typed ORDER BY id'),
  q('list-slice-step', 'SELECT id, list_slice(scores, 1, 3, 2), scores[:2], scores[2:] FROM typed ORDER BY id'),
  q('list-len', 'SELECT id, len(tags), length(scores), array_length(scores) FROM typed ORDER BY id'),
  q('list-concat', 'SELECT id, list_concat(tags, [\'z\']), tags || [\'y\'], array_cat(scores, [0]) FROM typed ORDER BY id'),
  q('list-append-prepend', 'SELECT id, list_append(scores, 9), list_prepend(0, scores) FROM typed ORDER BY id'),
  q('list-contains', "SELECT id, list_contains(tags, 'b'), list_has(scores, 5), array_contains(tags, 'c') FROM typed ORDER BY id"),
  q('list-position', "SELECT id, list_position(tags, 'b'), list_indexof(scores, 2) FROM typed ORDER BY id"),
  q('list-has-any-all', "SELECT id, list_has_any(tags, ['a', 'c']), list_has_all(tags, ['b']) FROM typed ORDER BY id"),
  q('list-sort', 'SELECT id, list_sort(scores), list_reverse_sort(scores), list_sort(scores, \'DESC\', \'NULLS FIRST\') FROM typed ORDER BY id'),
  q('list-distinct', 'SELECT id, list_sort(list_distinct(scores)), list_unique(scores) FROM typed ORDER BY id'),
  q('list-reverse', 'SELECT id, list_reverse(scores), flatten([tags, tags]) FROM typed ORDER BY id'),
  q('list-aggregates', 'SELECT id, list_sum(scores), list_min(scores), list_max(scores), list_avg(scores), list_count(scores) FROM typed ORDER BY id'),
  q('list-aggregate-fn', "SELECT id, list_aggregate(scores, 'sum'), list_aggregate(tags, 'string_agg', '-') FROM typed ORDER BY id"),
  q('list-transform-lambda', 'SELECT id, list_transform(scores, x -> x * 10), [x + 1 FOR x IN scores] FROM typed ORDER BY id'),
  q('list-filter-lambda', 'SELECT id, list_filter(scores, x -> x > 1), [x FOR x IN scores IF x IS NOT NULL] FROM typed ORDER BY id'),
  q('list-reduce', 'SELECT id, list_reduce(scores, (a, b) -> a + b) FROM typed WHERE len(scores) > 0 ORDER BY id'),
  q('list-transform-index', 'SELECT id, list_transform(tags, (x, i) -> i || \':\' || x) FROM typed ORDER BY id'),
  q('list-zip', 'SELECT id, list_zip(tags, scores) FROM typed ORDER BY id'),
  q('list-grade-up', 'SELECT id, list_grade_up(scores), list_select(scores, [1]) FROM typed ORDER BY id'),
  q('list-where', 'SELECT id, list_where(scores, [true, false, true]) FROM typed ORDER BY id'),
  q('list-resize', 'SELECT id, list_resize(scores, 4, 0) FROM typed ORDER BY id'),
  q('list-string-join', "SELECT id, array_to_string(tags, ','), list_aggr(tags, 'string_agg', '|') FROM typed ORDER BY id"),
  q('list-unnest-agg', 'SELECT id, sum(s) FROM (SELECT id, unnest(scores) AS s FROM typed) GROUP BY id ORDER BY id'),
  q('list-unnest-two', 'SELECT id, unnest(tags) AS tag, unnest(scores) AS s FROM typed ORDER BY ALL'),
  q('list-any-value-compare', "SELECT id FROM typed WHERE 'b' = ANY(tags) ORDER BY id"),
  q('list-build-agg', 'SELECT list(id ORDER BY id), list(amount ORDER BY id), array_agg(uid ORDER BY id) FROM typed'),
  q('list-generate-series', 'SELECT generate_series(1, 5, 2), range(3), range(1, 10, 4)'),
  q('list-value', 'SELECT list_value(1, 2, 3), [1, 2] = [1, 2], [1, 2] < [1, 3]'),
  q('list-compare-cols', 'SELECT id, scores = [3, 1, 2], scores < [5] FROM typed ORDER BY id'),
  q('list-cosine', 'SELECT list_cosine_similarity([1, 2, 3], [1, 2, 3]), list_distance([1.0, 2.0], [4.0, 6.0]), list_inner_product([1, 2], [3, 4])'),
  q('list-nested-index', "SELECT id, items[1].v[2], [[1, 2], [3]][2][1] FROM typed ORDER BY id"),
  q('list-apply-struct', 'SELECT id, list_transform(items, i -> i.k) FROM typed ORDER BY id'),
  q('list-sort-strings', 'SELECT id, list_sort(tags) FROM typed ORDER BY id'),
  q('list-empty-null', 'SELECT id, len(scores) = 0, scores IS NULL, scores = [] FROM typed ORDER BY id'),
  q('list-flatten-deep', 'SELECT flatten([[[1, 2]], [[3]]]), flatten([[1], NULL, [2]])'),
  q('list-first-last', 'SELECT id, list_first(scores), list_last(scores), list_any_value(scores) FROM typed ORDER BY id'),
  q('list-bool-agg', 'SELECT id, list_bool_and([x > 0 FOR x IN scores]), list_bool_or([x > 4 FOR x IN scores]) FROM typed ORDER BY id'),

  // ── array (fixed size) functions ───────────────────────────────────────────────────
  q('array-value', 'SELECT array_value(1, 2, 3), typeof(array_value(1.5, 2.5))'),
  q('array-cast', 'SELECT [1, 2, 3]::INTEGER[3], ([1, 2]::INTEGER[2])[2]'),
  q('array-to-list', 'SELECT id, vec::DOUBLE[], list_sum(vec::DOUBLE[]) FROM typed ORDER BY id'),
  q('array-unnest', 'SELECT id, unnest(vec) AS x FROM typed ORDER BY id, x'),
  q('array-compare', 'SELECT id FROM typed WHERE vec = [1.0, 2.0, 2.0]::DOUBLE[3] ORDER BY id'),
  q('array-negative-inner', 'SELECT id, array_negative_inner_product(vec, [1.0, 0.0, 0.0]::DOUBLE[3]) FROM typed ORDER BY id'),

  // ── struct functions (docs: sql/data_types/struct) ─────────────────────────────────
  q('struct-dot', 'SELECT id, attrs.color, attrs.size, attrs[\'color\'] FROM typed ORDER BY id'),
  q('struct-extract', "SELECT id, struct_extract(attrs, 'size'), struct_extract(row(id, tiny), 2) FROM typed ORDER BY id"),
  q('struct-star', 'SELECT id, attrs.* FROM typed ORDER BY id'),
  q('struct-unnest', 'SELECT id, unnest(attrs) FROM typed ORDER BY id'),
  q('struct-pack', 'SELECT id, struct_pack(a := id, b := tags) FROM typed ORDER BY id'),
  q('struct-literal', "SELECT {'a': 1, 'b': [1, 2], 'c': {'d': 'x'}} AS s, row(1, 'x') AS r"),
  q('struct-insert', "SELECT id, struct_insert(attrs, weight := 2.5) FROM typed ORDER BY id"),
  q('struct-compare', "SELECT id FROM typed WHERE attrs = {'color': 'red', 'size': 10} ORDER BY id"),
  q('struct-order', 'SELECT attrs FROM typed ORDER BY attrs NULLS LAST'),
  q('struct-group-field', 'SELECT attrs.color, count(*) FROM typed GROUP BY attrs.color ORDER BY attrs.color NULLS LAST'),
  q('struct-is-null-field', 'SELECT id, attrs.size IS NULL FROM typed ORDER BY id'),
  q('struct-keys', 'SELECT id, struct_keys(attrs) FROM typed WHERE attrs IS NOT NULL ORDER BY id'),
  q('struct-in-list', 'SELECT id, [attrs, attrs] FROM typed ORDER BY id'),
  q('struct-columns', 'SELECT id, COLUMNS(\'attrs\') FROM typed ORDER BY id'),
  q('struct-concat', "SELECT struct_concat({'a': 1}, {'b': 2})"),

  // ── map functions (docs: sql/data_types/map) ───────────────────────────────────────
  q('map-extract', "SELECT id, props['x'], map_extract(props, 'y'), element_at(props, 'x') FROM typed ORDER BY id"),
  q('map-extract-value', "SELECT id, map_extract_value(props, 'x') FROM typed ORDER BY id"),
  q('map-keys-values', 'SELECT id, map_keys(props), map_values(props) FROM typed ORDER BY id'),
  q('map-entries', 'SELECT id, map_entries(props) FROM typed ORDER BY id'),
  q('map-cardinality', 'SELECT id, cardinality(props), len(map_keys(props)) FROM typed ORDER BY id'),
  q('map-contains', "SELECT id, map_contains(props, 'x'), contains(map_keys(props), 'y') FROM typed ORDER BY id"),
  q('map-concat', "SELECT id, map_concat(props, MAP {'z': 0}) FROM typed ORDER BY id"),
  q('map-from-entries', "SELECT map_from_entries([('a', 1), ('b', 2)]), map(['k1', 'k2'], [1, 2])"),
  q('map-literal', "SELECT MAP {1: 'a', 2: 'b'} AS m, MAP {'k': [1, 2]} AS ml"),
  q('map-unnest-entries', 'SELECT id, e FROM (SELECT id, unnest(map_entries(props)) AS e FROM typed) ORDER BY id, e.key'),
  q('map-compare', "SELECT id FROM typed WHERE props = MAP {'x': 5} ORDER BY id"),
  q('map-to-json', 'SELECT id, to_json(props) FROM typed ORDER BY id'),
  q('map-agg', "SELECT map_from_entries(list({'key': id, 'value': tiny} ORDER BY id)) FROM typed"),
  q('map-histogram', 'SELECT histogram(mood) FROM typed'),

  // ── numeric types (docs: sql/data_types/numeric) ───────────────────────────────────
  q('num-decimal-literals', 'SELECT 1.1 + 2.2, typeof(1.1), 123456789.123456789::DECIMAL(18,9), 0.1::DECIMAL(2,1) * 3'),
  q('num-decimal-width', 'SELECT 12345.678::DECIMAL(8,3), (12345.678::DECIMAL(8,3))::DECIMAL(10,1), 1::DECIMAL(38,37)'),
  q('num-decimal-division', 'SELECT 10::DECIMAL(10,2) / 3::DECIMAL(10,2), 10.00 // 3, 10.00 % 3'),
  q('num-integer-types', 'SELECT 127::TINYINT, 32767::SMALLINT, 2147483647::INTEGER, 9223372036854775807::BIGINT, 255::UTINYINT, 65535::USMALLINT'),
  q('num-hugeint-literals', 'SELECT 170141183460469231731687303715884105727::HUGEINT, 340282366920938463463374607431768211455::UHUGEINT'),
  q('num-unsigned-arith', 'SELECT 200::UTINYINT + 50::UTINYINT, 4294967295::UINTEGER, 18446744073709551615::UBIGINT // 2'),
  q('num-float-special', "SELECT 'inf'::FLOAT, '-inf'::DOUBLE, 'nan'::DOUBLE, isnan('nan'::DOUBLE), isinf('inf'::FLOAT)"),
  q('num-float-precision', 'SELECT 0.1::FLOAT, 0.1::DOUBLE, 1e38::FLOAT, 1.7976931348623157e308::DOUBLE'),
  q('num-bit-ops', 'SELECT 5 & 3, 5 | 3, xor(5, 3), ~5, 1 << 4, 256 >> 2'),
  q('num-math-fns', 'SELECT gcd(12, 18), lcm(4, 6), factorial(10), even(3), gamma(5), log2(1024)'),
  q('num-varint', "SELECT '123456789012345678901234567890123456789012345'::BIGNUM + 1"),
  q('num-cast-round-trip', "SELECT '12.345'::DECIMAL(5,2), '-0'::DOUBLE, 1e-7::DOUBLE::VARCHAR"),

  // ── text, blob, bit, uuid types ─────────────────────────────────────────────────────
  q('text-blob', "SELECT '\\xAA\\xBB'::BLOB, octet_length('\\xAA'::BLOB), 'abc'::BLOB || 'd'::BLOB"),
  q('text-bit', "SELECT '1011'::BIT, bit_count('1011'::BIT), '1011'::BIT & '0110'::BIT, bit_length('1011'::BIT)"),
  q('text-uuid-fns', "SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::UUID, uuid_extract_version('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID)"),
  q('text-varchar-len', "SELECT 'héllo'::VARCHAR(3), length('héllo'), strlen('héllo')"),
  q('text-enum-literal', "SELECT 'b'::ENUM('a', 'b'), ('b'::ENUM('a', 'b'))::VARCHAR"),
  q('text-union', "SELECT union_value(n := 1), union_tag(union_value(s := 'x'))"),
  q('text-json-type', 'SELECT \'{"a": 1}\'::JSON, json_type(\'[1]\'::JSON), json_array_length(\'[1,2]\')'),

  // ── date/time types (docs: sql/data_types/timestamp, interval, time) ───────────────
  q('time-infinity', "SELECT 'infinity'::TIMESTAMP, '-infinity'::TIMESTAMP, 'infinity'::DATE, isinf('infinity'::TIMESTAMP)"),
  q('time-precisions', "SELECT TIMESTAMP_S '2026-01-01 10:00:01', TIMESTAMP_MS '2026-01-01 10:00:01.123', TIMESTAMP_NS '2026-01-01 10:00:01.123456789'"),
  q('time-extremes', "SELECT TIMESTAMP '294247-01-10 04:00:54.775806', DATE '5881580-07-10', TIMESTAMP '0001-01-01 00:00:00' - INTERVAL '1 day'"),
  q('time-tz-convert', "SELECT TIMESTAMPTZ '2026-05-27 10:00:00+02', timezone('UTC', TIMESTAMP '2026-05-27 10:00:00')"),
  q('time-interval-parts', "SELECT INTERVAL '1 year 2 months 3 days 04:05:06', to_months(5), to_days(2), INTERVAL 90 MINUTE"),
  q('time-interval-compare', "SELECT INTERVAL '1 day' > INTERVAL '23 hours', INTERVAL '30 days' = INTERVAL '1 month'"),
  q('time-timetz', "SELECT TIMETZ '10:00:00+02', TIME '10:30:00' + INTERVAL '90 minutes'"),
  q('time-date-diff', "SELECT date_diff('day', DATE '2026-01-01', DATE '2026-03-01'), age(TIMESTAMP '2026-03-01', TIMESTAMP '2026-01-01')"),
  q('time-make', 'SELECT make_date(2026, 2, 28), make_time(12, 30, 15.5), make_timestamp(2026, 1, 1, 0, 0, 0)'),
  q('time-epoch', 'SELECT to_timestamp(0), epoch_ms(1700000000000), epoch_us(TIMESTAMP \'1970-01-01 00:00:01\')'),

  // ── CTAS keeps nested and extended types (no more JSON) ────────────────────────────
  ctas('ctas-list-unnest', 'SELECT id, scores FROM typed', (t) => `SELECT id, unnest(scores) AS s FROM ${t} ORDER BY id, s`),
  ctas('ctas-list-agg', 'SELECT dept, list(name ORDER BY name) AS names FROM emp GROUP BY dept', (t) => `SELECT dept, names, typeof(names), list_sort(names) FROM ${t}`),
  ctas('ctas-struct', 'SELECT id, attrs, {\'n\': id, \'t\': tags} AS s FROM typed', (t) => `SELECT id, attrs.color, s.t[1], typeof(s) FROM ${t} ORDER BY id`),
  ctas('ctas-map', 'SELECT id, props FROM typed', (t) => `SELECT id, props['x'], map_keys(props), typeof(props) FROM ${t} ORDER BY id`),
  ctas('ctas-decimal', 'SELECT id, amount, amount * 2 AS doubled FROM typed', (t) => `SELECT id, amount, doubled, typeof(doubled) FROM ${t} ORDER BY id`),
  ctas('ctas-all-typed', 'SELECT * FROM typed'),
  ctas('ctas-small-ints', 'SELECT 1::TINYINT AS a, 2::SMALLINT AS b, 3::INTEGER AS c, 4::UTINYINT AS d, 5.5::FLOAT AS f'),
  ctas('ctas-nested-deep', "SELECT [{'a': [MAP {'k': [1, 2]}]}] AS deep", (t) => `SELECT deep, deep[1].a[1]['k'], typeof(deep) FROM ${t}`),
  ctas('ctas-uuid-hugeint', 'SELECT uid, big, ub FROM typed', (t) => `SELECT *, typeof(uid), typeof(big), typeof(ub) FROM ${t} ORDER BY uid NULLS LAST`),
  ctas('ctas-time-types', 'SELECT seen, dur, t, mood FROM typed', (t) => `SELECT *, typeof(seen), typeof(dur), typeof(t) FROM ${t} ORDER BY seen NULLS LAST`),
  ctas('ctas-array', 'SELECT id, vec FROM typed', (t) => `SELECT id, vec, typeof(vec), array_dot_product(vec, vec) FROM ${t} ORDER BY id`),
  ctas('ctas-range-list', 'SELECT range AS i, [range, range * 2] AS pair FROM range(5)', (t) => `SELECT i, pair[2], list_sum(pair) FROM ${t} ORDER BY i`),
  ctas('ctas-null-column', 'SELECT 1 AS a, NULL AS b', (t) => `SELECT a, b, typeof(b) FROM ${t}`),
  ctas('ctas-json-stays-json', 'SELECT payload FROM events', (t) => `SELECT typeof(payload), count(*) FROM ${t} GROUP BY ALL`),
];

export const TYPE_WRITE_CASES: readonly CompatCase[] = [
  // ── writes of typed columns, keyed (write log) and not (direct Delta) ──────────────
  ...[true, false].flatMap((keyed) => {
    const k = keyed ? 'keyed' : 'direct';
    return [
      tw(`tw-${k}-insert-values`, (t) => `INSERT INTO ${t} VALUES (10, 1.23, 1, ['n'], [1], [1.0, 1.0, 1.0], {'color': 'x', 'size': 1}, MAP {'n': 1}, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a99', 12345678901234567890123, 7, TIMESTAMPTZ '2026-06-01 00:00:00+00', 'ok', INTERVAL '5 seconds', TIME '01:02:03', [{'k': 'n', 'v': [9]}])`, { keyed }),
      tw(`tw-${k}-insert-select`, (t) => `INSERT INTO ${t} SELECT id + 100, amount, tiny, tags, scores, vec, attrs, props, uid, big, ub, seen, mood, dur, t, items FROM typed`, { keyed }),
      tw(`tw-${k}-update-decimal`, (t) => `UPDATE ${t} SET amount = amount * 2 WHERE amount > 0`, { keyed }),
      tw(`tw-${k}-update-list`, (t) => `UPDATE ${t} SET tags = list_append(tags, 'new'), scores = list_sort(scores) WHERE id <= 2`, { keyed }),
      tw(`tw-${k}-update-struct`, (t) => `UPDATE ${t} SET attrs = struct_pack(color := upper(attrs.color), size := attrs.size + 1) WHERE attrs IS NOT NULL`, { keyed }),
      tw(`tw-${k}-update-map`, (t) => `UPDATE ${t} SET props = map_concat(props, MAP {'w': id}) WHERE props IS NOT NULL`, { keyed }),
      tw(`tw-${k}-update-enum`, (t) => `UPDATE ${t} SET mood = 'happy' WHERE mood IS DISTINCT FROM 'happy'`, { keyed }),
      tw(`tw-${k}-update-hugeint`, (t) => 'UPDATE ' + t + ' SET big = big * 10, ub = ub // 2 WHERE id = 1', { keyed }),
      tw(`tw-${k}-delete-by-uuid`, (t) => `DELETE FROM ${t} WHERE uid = 'ffffffff-ffff-ffff-ffff-ffffffffffff'`, { keyed }),
      tw(`tw-${k}-delete-by-list`, (t) => `DELETE FROM ${t} WHERE list_contains(tags, 'b')`, { keyed }),
      tw(`tw-${k}-merge`, (t) => `MERGE INTO ${t} AS d USING (SELECT id, amount + 1 AS amount FROM typed WHERE id <= 2 UNION ALL SELECT 20, 9.99) AS s ON d.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amount WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.amount)`, { keyed }),
      // RETURNING: the rows DuckDB returns, keyed and not.
      tw(`tw-${k}-insert-returning`, (t) => `INSERT INTO ${t} (id, amount, tags, attrs) VALUES (30, 3.14, ['r'], {'color': 'g', 'size': 2}) RETURNING *`, { keyed }),
      tw(`tw-${k}-insert-returning-expr`, (t) => `INSERT INTO ${t} (id, amount, scores) VALUES (31, 1.50, [4, 5]) RETURNING id * 2 AS twice, amount + 1, list_sum(scores)`, { keyed }),
      tw(`tw-${k}-update-returning`, (t) => `UPDATE ${t} SET amount = amount + 1 WHERE id IN (1, 2) RETURNING id, amount, tags`, { keyed }),
      tw(`tw-${k}-update-returning-star`, (t) => `UPDATE ${t} SET mood = 'ok' WHERE id = 2 RETURNING *`, { keyed }),
      tw(`tw-${k}-delete-returning`, (t) => `DELETE FROM ${t} WHERE id >= 3 RETURNING id, uid, props`, { keyed }),
      tw(`tw-${k}-delete-returning-none`, (t) => `DELETE FROM ${t} WHERE id = 999 RETURNING id`, { keyed }),
      tw(`tw-${k}-merge-returning`, (t) => `MERGE INTO ${t} AS d USING (VALUES (1, 5.00), (50, 6.00)) s(id, a) ON d.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.a WHEN NOT MATCHED THEN INSERT (id, amount) VALUES (s.id, s.a) RETURNING merge_action, id, amount`, { keyed }),
      tw(`tw-${k}-merge-delete-returning`, (t) => `MERGE INTO ${t} AS d USING (VALUES (2)) s(id) ON d.id = s.id WHEN MATCHED THEN DELETE RETURNING merge_action, id`, { keyed }),
    ];
  }),
  tw('tw-keyed-upsert-returning', (t) => `INSERT OR REPLACE INTO ${t} (id, amount) VALUES (1, 0.01), (77, 7.70) RETURNING id, amount`),
  tw('tw-keyed-on-conflict-returning', (t) => `INSERT INTO ${t} (id, amount) VALUES (2, 2.22) ON CONFLICT (id) DO UPDATE SET amount = excluded.amount RETURNING id, amount, tags`),
  tw('tw-keyed-on-conflict-nothing-returning', (t) => `INSERT INTO ${t} (id, amount) VALUES (1, 1.11) ON CONFLICT DO NOTHING RETURNING id`),
  tw('tw-direct-truncate-typed', (t) => `DELETE FROM ${t}`, { keyed: false }),
  {
    id: 'tw-alter-add-typed-columns',
    setup: ['CREATE TABLE w_alter_typed (id INTEGER)', 'INSERT INTO w_alter_typed VALUES (1), (2)', 'ALTER TABLE w_alter_typed ADD COLUMN d DECIMAL(10,3) DEFAULT 1.5'],
    sql: 'SELECT *, typeof(d) FROM w_alter_typed',
  },
  {
    id: 'tw-alter-add-list-column',
    setup: ['CREATE TABLE w_alter_list (id INTEGER)', 'INSERT INTO w_alter_list VALUES (1)', 'ALTER TABLE w_alter_list ADD COLUMN l INTEGER[]'],
    sql: 'INSERT INTO w_alter_list VALUES (2, [1, 2])',
    verify: 'SELECT *, typeof(l) FROM w_alter_list',
  },
  {
    id: 'tw-alter-set-type-decimal',
    setup: ['CREATE TABLE w_alter_dec (id INTEGER, v INTEGER)', 'INSERT INTO w_alter_dec VALUES (1, 10), (2, NULL)', 'ALTER TABLE w_alter_dec ALTER COLUMN v SET DATA TYPE DECIMAL(10,2)'],
    sql: 'SELECT *, typeof(v) FROM w_alter_dec',
  },
  {
    id: 'tw-partitioned-by-decimal',
    setup: ['CREATE TABLE w_part_dec (p DECIMAL(5,1), v INTEGER) PARTITIONED BY (p)', 'INSERT INTO w_part_dec VALUES (1.5, 1), (2.5, 2), (NULL, 3)'],
    sql: 'SELECT * FROM w_part_dec WHERE p = 1.5',
  },
  {
    id: 'tw-partitioned-by-uuid',
    setup: ["CREATE TABLE w_part_uuid (p UUID, v INTEGER) PARTITIONED BY (p)", "INSERT INTO w_part_uuid VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1), ('00000000-0000-0000-0000-000000000001', 2)"],
    sql: "SELECT *, typeof(p) FROM w_part_uuid WHERE p > '00000000-0000-0000-0000-000000000001'",
  },
  {
    id: 'tw-partitioned-by-tinyint',
    setup: ['CREATE TABLE w_part_tiny (p TINYINT, v VARCHAR) PARTITIONED BY (p)', "INSERT INTO w_part_tiny VALUES (-1, 'a'), (1, 'b'), (1, 'c')"],
    sql: 'SELECT p, list(v ORDER BY v) FROM w_part_tiny GROUP BY p ORDER BY p',
  },
  {
    id: 'tw-partitioned-by-timestamptz',
    setup: ['CREATE TABLE w_part_tz (p TIMESTAMPTZ, v INTEGER) PARTITIONED BY (p)', "INSERT INTO w_part_tz VALUES (TIMESTAMPTZ '2026-01-01 00:00:00+00', 1), (TIMESTAMPTZ '2026-01-02 12:00:00+00', 2)"],
    sql: "SELECT *, typeof(p) FROM w_part_tz WHERE p < TIMESTAMPTZ '2026-01-02 00:00:00+00'",
  },
  {
    id: 'tw-skipping-decimal-stats',
    setup: ['CREATE TABLE w_skip_dec (d DECIMAL(12,4), v INTEGER)', 'INSERT INTO w_skip_dec VALUES (1.0001, 1)', 'INSERT INTO w_skip_dec VALUES (500.5, 2)', 'INSERT INTO w_skip_dec VALUES (-3.25, 3)'],
    sql: 'SELECT * FROM w_skip_dec WHERE d > 100',
  },
  {
    id: 'tw-skipping-enum-not-text-order',
    setup: ["CREATE TABLE w_skip_enum (e ENUM('zeta', 'alpha'), v INTEGER)", "INSERT INTO w_skip_enum VALUES ('zeta', 1)", "INSERT INTO w_skip_enum VALUES ('alpha', 2)"],
    sql: "SELECT * FROM w_skip_enum WHERE e > 'zeta'",
  },
  {
    id: 'tw-keyed-uuid-key',
    setup: ['CREATE TABLE w_uuid_key (id UUID PRIMARY KEY, v INTEGER)', "INSERT INTO w_uuid_key VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1), ('00000000-0000-0000-0000-000000000001', 2)"],
    sql: "UPDATE w_uuid_key SET v = v + 10 WHERE id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' RETURNING *",
    verify: 'SELECT * FROM w_uuid_key',
  },
  {
    id: 'tw-keyed-decimal-key-merge',
    setup: ['CREATE TABLE w_dec_key (k DECIMAL(10,2) PRIMARY KEY, v VARCHAR)', "INSERT INTO w_dec_key VALUES (1.10, 'a'), (2.20, 'b')"],
    sql: "MERGE INTO w_dec_key t USING (VALUES (2.20, 'B'), (3.30, 'c')) s(k, v) ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.v)",
    verify: 'SELECT * FROM w_dec_key',
  },
];

export const CONSTRAINT_CASES: readonly CompatCase[] = [
  // ── CHECK constraints (docs: sql/constraints): enforced like DuckDB, keyed and not ──
  ...[true, false].flatMap((keyed) => {
    const k = keyed ? 'keyed' : 'direct';
    return [
      ck(`ck-${k}-insert-ok`, (t) => `INSERT INTO ${t} VALUES (10, 1, 1.00, 1, 1)`, { keyed }),
      ck(`ck-${k}-insert-null-passes`, (t) => `INSERT INTO ${t} VALUES (11, NULL, NULL, NULL, NULL)`, { keyed }),
      ck(`ck-${k}-insert-column-check`, (t) => `INSERT INTO ${t} VALUES (12, -1, 1.00, 1, 1)`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-insert-table-check`, (t) => `INSERT INTO ${t} VALUES (13, 1, 1.00, 5, 1)`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-insert-decimal-check`, (t) => `INSERT INTO ${t} VALUES (14, 1, 1000.00, 1, 1)`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-insert-many-one-bad`, (t) => `INSERT INTO ${t} VALUES (15, 1, 1.00, 1, 1), (16, -5, 1.00, 1, 1)`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-update-ok`, (t) => `UPDATE ${t} SET qty = qty + 1`, { keyed }),
      ck(`ck-${k}-update-bad`, (t) => `UPDATE ${t} SET qty = qty - 1 WHERE id = 2`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-update-table-check`, (t) => `UPDATE ${t} SET lo = hi + 1 WHERE id = 1`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-merge-bad`, (t) => `MERGE INTO ${t} d USING (VALUES (1, -9)) s(id, q) ON d.id = s.id WHEN MATCHED THEN UPDATE SET qty = s.q`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-merge-insert-bad`, (t) => `MERGE INTO ${t} d USING (VALUES (40, 1, 5000.00)) s(id, q, p) ON d.id = s.id WHEN NOT MATCHED THEN INSERT (id, qty, price) VALUES (s.id, s.q, s.p)`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-merge-ok`, (t) => `MERGE INTO ${t} d USING (VALUES (1, 9), (41, 2)) s(id, q) ON d.id = s.id WHEN MATCHED THEN UPDATE SET qty = s.q WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (s.id, s.q)`, { keyed }),
      ck(`ck-${k}-insert-select-bad`, (t) => `INSERT INTO ${t} SELECT id + 100, -qty, price, lo, hi FROM ${t} WHERE qty > 0`, { keyed, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
      ck(`ck-${k}-returning-ok`, (t) => `UPDATE ${t} SET price = 1.50 WHERE id = 2 RETURNING id, price`, { keyed }),
    ];
  }),
  ck('ck-keyed-upsert-bad', (t) => `INSERT OR REPLACE INTO ${t} VALUES (1, -1, 1.00, 1, 1)`, { refusedWith: 'ERR_CONSTRAINT_CHECK' }),
  ck('ck-keyed-on-conflict-bad', (t) => `INSERT INTO ${t} VALUES (1, 1, 1.00, 1, 1) ON CONFLICT (id) DO UPDATE SET qty = -1`, { refusedWith: 'ERR_CONSTRAINT_CHECK' }),
  ck('ck-describe', (t) => `DESCRIBE ${t}`),
  {
    id: 'ck-ctas-no-constraints',
    setup: ['CREATE TABLE ck_src (a INTEGER CHECK (a > 0))', 'INSERT INTO ck_src VALUES (1)', 'CREATE TABLE ck_ctas AS SELECT a FROM ck_src'],
    sql: 'INSERT INTO ck_ctas VALUES (-1)',
    verify: 'SELECT * FROM ck_ctas',
  },
  {
    id: 'ck-expression-functions',
    setup: ["CREATE TABLE ck_fn (email VARCHAR CHECK (contains(email, '@')), tags VARCHAR[] CHECK (len(tags) <= 2))", "INSERT INTO ck_fn VALUES ('a@b', ['x'])"],
    sql: "INSERT INTO ck_fn VALUES ('nope', ['y'])",
    verify: 'SELECT * FROM ck_fn',
    refusedWith: 'ERR_CONSTRAINT_CHECK',
  },
  {
    id: 'ck-expression-list',
    setup: ["CREATE TABLE ck_list (tags VARCHAR[] CHECK (len(tags) <= 2))", "INSERT INTO ck_list VALUES (['x'])"],
    sql: "INSERT INTO ck_list VALUES (['a', 'b', 'c'])",
    verify: 'SELECT * FROM ck_list',
    refusedWith: 'ERR_CONSTRAINT_CHECK',
  },
];

/** A TIMESTAMP table (Delta timestamp_ntz) of its own, keyed or not, partitioned by a TIMESTAMP or not. */
function tsw(id: string, sql: (t: string) => string, opts: { keyed?: boolean; partitioned?: boolean; refusedWith?: string } = {}): CompatCase {
  const t = `ts_${id.replaceAll('-', '_')}`;
  const key = opts.keyed === true ? ' PRIMARY KEY' : '';
  return {
    id,
    setup: [
      `CREATE TABLE ${t} (id INTEGER${key}, ts TIMESTAMP, tz TIMESTAMPTZ, day TIMESTAMP, evs STRUCT(ts TIMESTAMP, tag VARCHAR)[], CONSTRAINT after_2000 CHECK (ts >= TIMESTAMP '2000-01-01'))${opts.partitioned === true ? ' PARTITIONED BY (day)' : ''}`,
      `INSERT INTO ${t} VALUES
        (1, TIMESTAMP '2026-01-02 03:04:05.000006', TIMESTAMPTZ '2026-01-02 03:04:05+00', TIMESTAMP '2026-01-02', [{'ts': TIMESTAMP '2026-01-02 03:00:00', 'tag': 'a'}]),
        (2, TIMESTAMP '2026-01-02 23:59:59.999999', TIMESTAMPTZ '2026-01-03 01:00:00+02', TIMESTAMP '2026-01-02', []),
        (3, TIMESTAMP '2000-01-01 00:00:00', NULL, TIMESTAMP '2000-01-01', NULL),
        (4, 'infinity', '-infinity', NULL, [{'ts': TIMESTAMP '1969-12-31 23:59:59.999999', 'tag': NULL}])`,
    ],
    sql: sql(t),
    verify: `SELECT * FROM ${t}`,
    ...(opts.refusedWith !== undefined ? { refusedWith: opts.refusedWith } : {}),
  };
}

/** TIMESTAMP (Delta timestamp_ntz) and TIMESTAMPTZ (Delta timestamp), from DuckDB's timestamp documentation. */
export const TIMESTAMP_CASES: readonly CompatCase[] = [
  q('ts-functions', "SELECT id, date_trunc('hour', sold_at), date_part('dow', sold_at), extract(epoch FROM sold_at), dayname(sold_at) FROM sales ORDER BY id"),
  q('ts-strftime', "SELECT id, strftime(sold_at, '%Y/%m/%d %H:%M:%S.%f'), strptime(strftime(sold_at, '%Y-%m-%d'), '%Y-%m-%d') FROM sales ORDER BY id"),
  q('ts-date-diff', "SELECT id, date_diff('minute', TIMESTAMP '2026-01-01 00:00:00', sold_at), date_sub('hour', sold_at, TIMESTAMP '2026-01-10') FROM sales ORDER BY id"),
  q('ts-interval-math', 'SELECT id, sold_at + INTERVAL 90 MINUTE, sold_at - INTERVAL \'1 day\', sold_at - TIMESTAMP \'2026-01-01 00:00:00\' FROM sales ORDER BY id'),
  q('ts-time-bucket', "SELECT time_bucket(INTERVAL '2 days', sold_at) AS b, count(*) FROM sales GROUP BY b ORDER BY b"),
  q('ts-epoch', 'SELECT id, epoch_ms(sold_at), epoch_us(sold_at), make_timestamp(epoch_us(sold_at)) FROM sales ORDER BY id'),
  q('ts-cast-tz', 'SELECT id, sold_at::TIMESTAMPTZ, sold_at::DATE, sold_at::VARCHAR, sold_at::TIME FROM sales ORDER BY id'),
  q('ts-tz-to-ts', 'SELECT id, seen::TIMESTAMP, seen::DATE, epoch(seen) FROM typed ORDER BY id'),
  q('ts-range-filter', "SELECT id FROM sales WHERE sold_at BETWEEN TIMESTAMP '2026-01-02 00:00:00' AND TIMESTAMP '2026-01-04 00:00:00' ORDER BY id"),
  q('ts-range-filter-exclusive', "SELECT id FROM sales WHERE sold_at > TIMESTAMP '2026-01-03 00:00:00' AND sold_at < TIMESTAMP '2099-01-01 00:00:00' ORDER BY id"),
  q('ts-group-day', "SELECT date_trunc('day', sold_at) AS d, sum(qty) FROM sales GROUP BY d ORDER BY d"),
  q('ts-window-lag', 'SELECT id, sold_at, lag(sold_at) OVER (ORDER BY sold_at, id) AS prev, sold_at - lag(sold_at) OVER (ORDER BY sold_at, id) AS gap FROM sales ORDER BY id'),
  q('ts-minmax-typeof', 'SELECT min(sold_at), max(sold_at), typeof(min(sold_at)), min(seen), typeof(max(seen)) FROM sales, typed'),
  q('ts-generate-series', "SELECT * FROM generate_series(TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-02 00:00:00', INTERVAL 6 HOUR)"),
  q('ts-join-on-day', 'SELECT s.id, e.id FROM sales s JOIN events e ON date_trunc(\'day\', s.sold_at) = date_trunc(\'day\', e.occurred_at) ORDER BY s.id, e.id'),
  q('ts-list-of-ts', 'SELECT region, list(sold_at ORDER BY sold_at, id) AS l, list_max(list(sold_at)) FROM sales GROUP BY region ORDER BY region'),
  q('ts-struct-of-ts', "SELECT id, {'ts': sold_at, 'd': sold_at::DATE} AS s FROM sales ORDER BY id"),
  // Own TIMESTAMP tables: partition values, stats, nested timestamps, RETURNING, CHECK.
  tsw('tsw-read-all', (t) => `SELECT *, typeof(ts), typeof(tz), typeof(evs) FROM ${t} ORDER BY id`),
  tsw('tsw-part-read', (t) => `SELECT id, day, ts FROM ${t} WHERE day = TIMESTAMP '2026-01-02' ORDER BY id`, { partitioned: true }),
  tsw('tsw-part-null', (t) => `SELECT id FROM ${t} WHERE day IS NULL ORDER BY id`, { partitioned: true }),
  tsw('tsw-part-move', (t) => `UPDATE ${t} SET day = day + INTERVAL 1 DAY WHERE id <= 2`, { partitioned: true }),
  tsw('tsw-stats-skip', (t) => `SELECT id FROM ${t} WHERE ts > TIMESTAMP '2026-01-02 03:04:05.000005' AND ts < TIMESTAMP '2027-01-01' ORDER BY id`),
  tsw('tsw-infinity', (t) => `SELECT id, isinf(ts), isinf(tz), ts > TIMESTAMP '9999-12-31' FROM ${t} ORDER BY id`),
  tsw('tsw-unnest', (t) => `SELECT id, u.ts, u.tag, typeof(u.ts) FROM ${t}, unnest(evs) AS x(u) ORDER BY id, u.ts`),
  tsw('tsw-insert-select-tz', (t) => `INSERT INTO ${t} (id, ts, tz) SELECT id + 100, seen::TIMESTAMP, seen FROM typed WHERE seen >= TIMESTAMPTZ '2000-01-01 00:00:00+00'`),
  tsw('tsw-insert-nested', (t) => `INSERT INTO ${t} VALUES (9, TIMESTAMP '2030-01-01 00:00:00', NULL, TIMESTAMP '2030-01-01', [{'ts': TIMESTAMP '2030-01-01 00:00:00.5', 'tag': 'n'}, NULL])`, { partitioned: true }),
  tsw('tsw-insert-returning', (t) => `INSERT INTO ${t} (id, ts, day) VALUES (10, TIMESTAMP '2031-03-04 05:06:07.08', TIMESTAMP '2031-03-04') RETURNING id, ts, day, typeof(ts)`),
  tsw('tsw-keyed-insert-returning', (t) => `INSERT INTO ${t} (id, ts, evs) VALUES (11, TIMESTAMP '2031-03-04 05:06:07.08', [{'ts': TIMESTAMP '2001-01-01', 'tag': 'k'}]) RETURNING *`, { keyed: true }),
  tsw('tsw-update-returning', (t) => `UPDATE ${t} SET ts = date_trunc('day', ts) WHERE id <= 2 RETURNING id, ts`, { partitioned: true }),
  tsw('tsw-keyed-update-returning', (t) => `UPDATE ${t} SET tz = ts::TIMESTAMPTZ WHERE id = 1 RETURNING id, tz, typeof(tz)`, { keyed: true }),
  tsw('tsw-delete-returning', (t) => `DELETE FROM ${t} WHERE ts < TIMESTAMP '2026-01-02 12:00:00' RETURNING id, ts, evs`),
  tsw('tsw-keyed-delete-returning', (t) => `DELETE FROM ${t} WHERE day = TIMESTAMP '2026-01-02' RETURNING id, day`, { keyed: true, partitioned: true }),
  tsw('tsw-keyed-merge-returning', (t) => `MERGE INTO ${t} AS d USING (VALUES (1, TIMESTAMP '2040-01-01 00:00:00'), (50, TIMESTAMP '2041-01-01 00:00:00')) s(id, ts) ON d.id = s.id WHEN MATCHED THEN UPDATE SET ts = s.ts WHEN NOT MATCHED THEN INSERT (id, ts) VALUES (s.id, s.ts) RETURNING merge_action, id, ts`, { keyed: true }),
  tsw('tsw-merge-returning', (t) => `MERGE INTO ${t} AS d USING (VALUES (2)) s(id) ON d.id = s.id WHEN MATCHED THEN DELETE RETURNING merge_action, id, ts`),
  tsw('tsw-keyed-upsert', (t) => `INSERT OR REPLACE INTO ${t} (id, ts, day) VALUES (3, TIMESTAMP '2035-05-05 05:05:05', TIMESTAMP '2035-05-05'), (12, TIMESTAMP '2036-06-06', NULL) RETURNING id, ts, day`, { keyed: true }),
  tsw('tsw-check-ok', (t) => `INSERT INTO ${t} (id, ts) VALUES (13, TIMESTAMP '2000-01-01 00:00:00'), (14, NULL)`, { keyed: true }),
  tsw('tsw-check-refused', (t) => `INSERT INTO ${t} (id, ts) VALUES (15, TIMESTAMP '1999-12-31 23:59:59.999999')`, { refusedWith: 'ERR_CONSTRAINT_CHECK' }),
  tsw('tsw-keyed-check-refused', (t) => `UPDATE ${t} SET ts = ts - INTERVAL 30 YEAR WHERE id = 3`, { keyed: true, refusedWith: 'ERR_CONSTRAINT_CHECK' }),
  {
    id: 'tsw-alter-add-timestamp',
    setup: ['CREATE TABLE ts_alter (id INTEGER)', 'INSERT INTO ts_alter VALUES (1), (2)', "ALTER TABLE ts_alter ADD COLUMN ts TIMESTAMP DEFAULT TIMESTAMP '2020-02-02 02:02:02.2'", 'INSERT INTO ts_alter VALUES (3, NULL)'],
    sql: 'SELECT *, typeof(ts) FROM ts_alter ORDER BY id',
    ordered: true,
  },
  {
    id: 'tsw-alter-set-type-timestamp',
    setup: ['CREATE TABLE ts_retype (id INTEGER, ts VARCHAR)', "INSERT INTO ts_retype VALUES (1, '2024-02-29 12:00:00'), (2, NULL)", 'ALTER TABLE ts_retype ALTER COLUMN ts SET DATA TYPE TIMESTAMP'],
    sql: "SELECT id, ts, typeof(ts), ts + INTERVAL 1 DAY FROM ts_retype ORDER BY id",
    ordered: true,
  },
  ctas('ts-ctas-nested', "SELECT id, sold_at, [sold_at, NULL] AS l, {'t': sold_at, 'z': sold_at::TIMESTAMPTZ} AS s, MAP {'k': sold_at} AS m FROM sales", (t) => `SELECT *, typeof(l), typeof(s), typeof(m) FROM ${t} ORDER BY id`),
  ctas('ts-ctas-precisions', "SELECT TIMESTAMP_S '2024-01-01 00:00:01' AS s, TIMESTAMP_MS '2024-01-01 00:00:01.123' AS ms, TIMESTAMP '2024-01-01 00:00:01.123456' AS us, TIMESTAMPTZ '2024-01-01 00:00:01+05' AS tz", (t) => `SELECT *, typeof(s), typeof(ms), typeof(us), typeof(tz) FROM ${t}`),
];

/** information_schema lists the bucket's tables like DuckDB lists its own. */
export const CATALOG_CASES: readonly CompatCase[] = [
  q('infoschema-columns-typed', "SELECT column_name, data_type, is_nullable, column_default, ordinal_position FROM information_schema.columns WHERE table_name = 'typed' ORDER BY ordinal_position"),
  q('infoschema-columns-count', "SELECT table_name, count(*) FROM information_schema.columns WHERE table_name IN ('emp', 'typed', 'events') GROUP BY ALL ORDER BY ALL"),
  q('infoschema-tables-fixtures', "SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables WHERE table_name IN ('emp', 'dept', 'sales', 'events', 'users', 'prices', 'trades', 'kinds', 'typed') ORDER BY table_name"),
  q('infoschema-join-table', "SELECT c.column_name, e.name FROM information_schema.columns c, emp e WHERE c.table_name = 'dept' AND e.id = 1 ORDER BY ALL"),
  q('infoschema-quoted', 'SELECT count(*) FROM "information_schema"."tables" WHERE table_name = \'typed\''),
];

export const ALL_TYPE_CASES: readonly CompatCase[] = [...TYPE_CASES, ...TYPE_WRITE_CASES, ...CONSTRAINT_CASES, ...TIMESTAMP_CASES, ...CATALOG_CASES];
