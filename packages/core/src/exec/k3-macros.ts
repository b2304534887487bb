/**
 * k3's SQL functions, installed as macros visible to every connection so that column default
 * expressions from the product contract work exactly as written:
 * - `GENERATE_UUID()` → random (v4) UUID as VARCHAR text.
 * - `ULID()` → 26-char Crockford base32 ULID: 48-bit epoch-ms timestamp (10 chars) then 80
 *   random bits (16 chars). Lexicographic order = time order across statements. The time part
 *   is `now()`, DuckDB's transaction start, so all rows of one statement share the prefix.
 * - `CURRENT_TIMESTAMP()` → `now()` (TIMESTAMPTZ, like DuckDB's parenthesis-less
 *   CURRENT_TIMESTAMP). DuckDB has no `current_timestamp()` function but allows a macro with that
 *   name, so no SQL rewriting is needed; the bare keyword keeps its built-in meaning.
 *
 * Why database-wide macros in `main`, created once by createDuckDB: a DEFAULT is re-bound on each
 * INSERT by the inserting connection, so the names must resolve on every connection, and creating
 * them per connection (TEMP) costs ~10 ms per connection (the ULID body is large to parse), while
 * a search_path to a separate schema cannot be set globally and a locked sandbox forbids setting it
 * per session. The SQL layer must therefore refuse DROP/CREATE MACRO in user SQL (it refuses
 * non-table DDL anyway). The ULID is built without lambdas because DuckDB refuses lambda
 * parameters inside DEFAULT expressions ("DEFAULT value cannot contain column names").
 */
const CROCKFORD32 = "'0123456789ABCDEFGHJKMNPQRSTVWXYZ'";

function ulidExpression(): string {
  const timeChars = Array.from({ length: 10 }, (_, i) => `substr(${CROCKFORD32}, ((epoch_ms(now()) >> ${45 - 5 * i}) & 31)::INTEGER + 1, 1)`);
  const randomChars = Array.from({ length: 16 }, () => `substr(${CROCKFORD32}, floor(random() * 32)::INTEGER + 1, 1)`);
  return [...timeChars, ...randomChars].join(' || ');
}

/** Name → macro body, in the order they are created. */
export const K3_MACROS = {
  generate_uuid: 'gen_random_uuid()::VARCHAR',
  ulid: ulidExpression(),
  current_timestamp: 'now()',
} as const;

/** One SQL script that (re)creates every k3 macro in the database's `main` schema. */
export const K3_MACROS_SQL = Object.entries(K3_MACROS)
  .map(([name, body]) => `CREATE OR REPLACE MACRO main.${name}() AS (${body});`)
  .join('\n');
