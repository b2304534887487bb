/**
 * `k3 table …` and `k3 login`: the TableService from a shell, on the TypeScript SDK (@k3/client).
 *
 * Exit codes: 0 ok, 1 the server or the statement failed, 2 usage, 3 auth (ERR_UNAUTHENTICATED /
 * ERR_FORBIDDEN). Errors print `ERR_CODE: message` on stderr. Progress goes to stderr, only on a
 * terminal and never with `-o json` or `--quiet`.
 */
import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Command, CommanderError, Option } from 'commander';
import { K3Client, K3Error, type FreshnessName, type Predicate, type Tables } from '@k3/client/sdk';
import {
  CompactResponseSchema, DiffResponseSchema, DropTableResponseSchema, ExecuteResponseSchema, ExecuteWriteResultSchema, HistoryResponseSchema,
  OptimizeResponseSchema, RestoreResponseSchema, TableSchema, VacuumResponseSchema,
  CreateTablePipelineResponseSchema, IngestFormat, IngestOnChange, IngestRunSchema, ListIngestRunsResponseSchema,
} from '@k3/client/gen/dodil/k3/tables/v1/k3_tables_pb.ts';
import { csvLines, FORMATS, listText, recordText, structured, tableText, type Format } from './output.ts';
import { saveProfile, resolveConnection } from './profile.ts';
import { progress } from './progress.ts';
import { parseJsonLossless, readRowBatches, RowsInputError } from './rows-input.ts';

export interface TableCliIO {
  out: (text: string) => void | Promise<void>;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  /** Where progress is drawn (a TTY check decides whether it is). */
  progressStream?: NodeJS.WriteStream;
}

interface GlobalOpts {
  url?: string;
  token?: string;
  profile?: string;
  output: Format;
  quiet?: boolean;
  bucket?: string;
}

class UsageError extends Error {}

export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3 } as const;

const FRESHNESS = ['eventual', 'strong', 'oltp-only'] as const;

function json<D extends DescMessage>(schema: D, msg: MessageShape<D>): Record<string, unknown> {
  return toJson(schema, msg, { alwaysEmitImplicit: true }) as Record<string, unknown>;
}

function ms(timings: unknown): string {
  const total = (timings as { totalMs?: number } | undefined)?.totalMs;
  return total === undefined ? '' : ` · ${total} ms`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `--set col=value`: the value is JSON when it parses (numbers, true, null, "text", [..]), else text. */
function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set takes column=value (got "${text}")`);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try { value = parseJsonLossless(raw); } catch { /* plain text */ }
  return [text.slice(0, eq).trim(), value];
}

function parsePredicate(text: string): Predicate {
  try {
    return parseJsonLossless(text) as Predicate;
  } catch (e) {
    throw new UsageError(`--where starting with "{" must be a JSON predicate: ${(e as Error).message}`);
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function nonNegativeInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} takes a whole number (got "${v}")`);
    return Number(v);
  };
}

export async function runTableCli(argv: readonly string[], io: TableCliIO): Promise<number> {
  const program = new Command('k3');
  program
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false)
    .option('--url <url>', 'coordinator URL (env K3_URL, else the profile, else http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (env K3_TOKEN, else the profile)')
    .option('--profile <name>', 'profile in ~/.config/k3/config.yaml (default: the current one)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(FORMATS).default('table'))
    .option('-q, --quiet', 'print nothing on success but the data (no summary lines, no progress)');

  const opts = (cmd: Command): GlobalOpts => cmd.optsWithGlobals<GlobalOpts>();
  const client = async (cmd: Command): Promise<{ t: Tables; o: GlobalOpts }> => {
    const o = opts(cmd);
    const bucket = o.bucket || (io.env.K3_BUCKET || undefined);
    if (bucket === undefined) throw new UsageError('--bucket is required (or set K3_BUCKET)');
    const conn = await resolveConnection(o, io.env);
    return { t: new K3Client({ url: conn.url, ...(conn.token ? { token: conn.token } : {}) }).tables(bucket), o };
  };
  const say = async (o: GlobalOpts, text: string): Promise<void> => { if (!o.quiet) await io.out(text); };
  const showProgress = (o: GlobalOpts): boolean => !o.quiet && o.output !== 'json' && io.progressStream !== undefined;
  const print = async (o: GlobalOpts, value: Record<string, unknown>, summary: string): Promise<void> => {
    if (o.output === 'json' || o.output === 'yaml') await io.out(structured(value, o.output));
    else if (o.output === 'csv') await io.out(csvLines(Object.keys(value), [Object.values(value).map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v))], true));
    else await say(o, `${recordText(value)}${summary}\n`);
  };

  program
    .command('login')
    .description('save a URL and token as a profile in ~/.config/k3/config.yaml')
    .option('--name <profile>', 'profile name', 'default')
    .addHelpText('after', '\nExamples:\n  k3 login --url http://127.0.0.1:8080 --token "$K3_TOKEN"\n  k3 login --name prod --url https://k3.example.com --token k3_…')
    .action(async (local: { name: string }, cmd: Command) => {
      const o = opts(cmd);
      const token = o.token ?? (io.env.K3_TOKEN || undefined);
      if (token === undefined) throw new UsageError('k3 login needs --token (or K3_TOKEN)');
      const url = o.url ?? (io.env.K3_URL || undefined) ?? 'http://127.0.0.1:8080';
      // Prove the pair works before saving it: a token the server refuses exits 3 here.
      const probe = new K3Client({ url, token });
      await probe.rpc.listTables({ bucket: 'k3-login-check' }).catch((e: unknown) => {
        const err = K3Error.from(e);
        if (err !== undefined && (err.code === 'ERR_UNAUTHENTICATED')) throw err;
      });
      const file = await saveProfile(io.env, local.name, { url, token });
      await say(o, `saved profile "${local.name}" (${url}) to ${file}\n`);
    });

  const table = program.command('table').description('tables of a bucket: SQL, typed reads and writes, maintenance');
  const withBucket = (c: Command): Command => c.requiredOption('--bucket <bucket>', 'bucket (env K3_BUCKET)', io.env.K3_BUCKET || undefined);

  withBucket(table.command('query'))
    .description('run one DuckDB-dialect statement (reads and writes)')
    .requiredOption('--sql <sql>', 'the statement')
    .addOption(new Option('--freshness <freshness>', 'read freshness').choices(FRESHNESS))
    .option('--stream', 'stream the result in batches (bounded memory; rows printed as they arrive)')
    .addHelpText('after', `
Examples:
  k3 table query --bucket my-bucket --sql "SELECT event_type, COUNT(*) AS n FROM events GROUP BY event_type"
  k3 table query --bucket my-bucket --sql "SELECT * FROM events WHERE user_id = 'u-101'" --freshness strong
  k3 table query --bucket my-bucket --sql "SELECT * FROM events LIMIT 5" -o json
  k3 table query --bucket my-bucket --sql "INSERT INTO events VALUES (1, 'click')"`)
    .action(async (local: { sql: string; freshness?: FreshnessName; stream?: boolean }, cmd: Command) => {
      const { t, o } = await client(cmd);
      if (local.stream) {
        const bar = progress(showProgress(o), 'streaming', io.progressStream);
        let columns: string[] | undefined;
        let n = 0;
        try {
          for await (const batch of t.streamJson(local.sql, { freshness: local.freshness })) {
            if (columns === undefined) {
              columns = batch.columns.map((c) => c.name);
              if (o.output === 'csv') await io.out(csvLines(columns, [], true));
              else if (o.output === 'table') await io.out(`${columns.join('\t')}\n`);
            }
            n += batch.rows.length;
            if (o.output === 'json' || o.output === 'yaml') for (const r of batch.rows) await io.out(`${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])))}\n`);
            else if (o.output === 'csv') await io.out(csvLines(columns, batch.rows, false));
            else await io.out(batch.rows.map((r) => r.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v))).join('\t')).join('\n') + (batch.rows.length ? '\n' : ''));
            bar.update(n);
          }
        } finally {
          bar.stop();
        }
        if (o.output === 'table') await say(o, `(${n} rows, streamed)\n`);
        return;
      }
      const res = await t.execute(local.sql, { freshness: local.freshness });
      const body = json(ExecuteResponseSchema, res.response);
      if (o.output === 'json' || o.output === 'yaml') { await io.out(structured(body, o.output)); return; }
      if (res.kind === 'query') {
        const q = body.query as { columns: { name: string }[]; rows?: unknown[][]; rowCount: string; strategy: string; servedBy: string; timings?: unknown };
        const cols = q.columns.map((c) => c.name);
        const rows = q.rows ?? [];
        if (o.output === 'csv') { await io.out(csvLines(cols, rows, true)); return; }
        await io.out(tableText(cols, rows, o.quiet ? '' : `(${q.rowCount} row${q.rowCount === '1' ? '' : 's'} · ${q.strategy} · ${q.servedBy}${ms(q.timings)})`));
        return;
      }
      if (res.kind === 'write') {
        const w = body.write as Record<string, unknown>;
        await print(o, w, `(${String(w.rowsAffected)} row${w.rowsAffected === '1' ? '' : 's'} affected · ${String(w.strategy)})`);
        return;
      }
      const d = body.ddl as Record<string, unknown>;
      await print(o, d, `(${String(d.action)} ${String(d.tableName)})`);
    });

  const writeFromRows = (name: 'insert' | 'merge'): void => {
    const cmd = withBucket(table.command(name))
      .description(name === 'insert' ? 'insert rows (JSON array or NDJSON) through the Insert RPC' : 'upsert rows by match columns (default: the merge keys) through the Merge RPC')
      .requiredOption('--table <table>', 'table name')
      .requiredOption('--rows <file>', 'JSON array or NDJSON file, or - for stdin')
      .option('--batch-size <n>', 'rows per request', nonNegativeInt('--batch-size'), 1000);
    if (name === 'merge') cmd.option('--match <columns>', 'comma-separated match columns (default: the merge keys)');
    cmd
      .addHelpText('after', `\nExamples:\n  k3 table ${name} --bucket my-bucket --table events --rows events.ndjson\n  echo '[{"id": 1, "kind": "click"}]' | k3 table ${name} --bucket my-bucket --table events --rows -`)
      .action(async (local: { table: string; rows: string; batchSize: number; match?: string }, cmd: Command) => {
        const { t, o } = await client(cmd);
        if (local.batchSize < 1) throw new UsageError('--batch-size must be at least 1');
        const bar = progress(showProgress(o), name === 'insert' ? 'inserting' : 'merging', io.progressStream);
        let affected = 0n;
        let batches = 0;
        let last: Record<string, unknown> | undefined;
        try {
          for await (const batch of readRowBatches(local.rows, io.stdin as never, local.batchSize)) {
            const w = name === 'insert' ? await t.insert(local.table, batch) : await t.merge(local.table, batch, { match: local.match?.split(',').map((s) => s.trim()).filter(Boolean) });
            affected += w.rowsAffected;
            batches++;
            last = json(ExecuteWriteResultSchema, w);
            bar.update(Number(affected));
          }
        } finally {
          bar.stop();
        }
        const result = { ...(last ?? { tableName: local.table }), rowsAffected: affected.toString(), requests: String(batches) };
        await print(o, result, `(${affected} row${affected === 1n ? '' : 's'} ${name === 'insert' ? 'inserted' : 'merged'} in ${batches} request${batches === 1 ? '' : 's'})`);
      });
  };
  writeFromRows('insert');
  writeFromRows('merge');

  withBucket(table.command('update'))
    .description('set columns on the rows a predicate matches')
    .requiredOption('--table <table>', 'table name')
    .requiredOption('--set <column=value>', 'a new value (JSON, else text); repeat for more columns', collect)
    .requiredOption('--where <predicate>', 'SQL condition, or a JSON predicate {"column","op","value"}')
    .addHelpText('after', `\nExamples:\n  k3 table update --bucket my-bucket --table contracts --set status=closed --where "id = 42"\n  k3 table update --bucket my-bucket --table contracts --set amount=10.5 --where '{"column":"id","op":"EQ","value":42}'`)
    .action(async (local: { table: string; set: string[]; where: string }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const set = Object.fromEntries(local.set.map(parseAssignment));
      let body: Record<string, unknown>;
      if (local.where.trimStart().startsWith('{')) {
        body = json(ExecuteWriteResultSchema, await t.update(local.table, set, parsePredicate(local.where)));
      } else {
        const cols = Object.keys(set);
        const sql = `UPDATE ${quoteIdent(local.table)} SET ${cols.map((c, i) => `${quoteIdent(c)} = $${i + 1}`).join(', ')} WHERE ${local.where}`;
        const res = await t.execute(sql, { params: cols.map((c) => set[c]) });
        body = json(ExecuteResponseSchema, res.response).write as Record<string, unknown>;
      }
      await print(o, body, `(${String(body.rowsAffected)} row${body.rowsAffected === '1' ? '' : 's'} updated · ${String(body.strategy)})`);
    });

  withBucket(table.command('delete-rows'))
    .description('delete the rows a predicate matches')
    .requiredOption('--table <table>', 'table name')
    .requiredOption('--where <predicate>', 'SQL condition, or a JSON predicate')
    .addHelpText('after', `\nExample:\n  k3 table delete-rows --bucket my-bucket --table events --where "ts < DATE '2026-01-01'"`)
    .action(async (local: { table: string; where: string }, cmd: Command) => {
      const { t, o } = await client(cmd);
      let body: Record<string, unknown>;
      if (local.where.trimStart().startsWith('{')) body = json(ExecuteWriteResultSchema, await t.deleteRows(local.table, parsePredicate(local.where)));
      else body = json(ExecuteResponseSchema, (await t.execute(`DELETE FROM ${quoteIdent(local.table)} WHERE ${local.where}`)).response).write as Record<string, unknown>;
      await print(o, body, `(${String(body.rowsAffected)} row${body.rowsAffected === '1' ? '' : 's'} deleted · ${String(body.strategy)})`);
    });

  withBucket(table.command('list'))
    .description('the tables of a bucket')
    .addHelpText('after', '\nExample:\n  k3 table list --bucket my-bucket -o json')
    .action(async (_l: unknown, cmd: Command) => {
      const { t, o } = await client(cmd);
      const tables = (await t.list()).map((x) => json(TableSchema, x));
      await io.out(listText(tables, ['name', 'rowCount', 'sizeBytes', 'deltaVersion', 'walBacklogEntries'], o.output, o.quiet ? '' : `(${tables.length} table${tables.length === 1 ? '' : 's'})`));
    });

  withBucket(table.command('describe'))
    .description('a table: columns, keys, stats, write-log backlog, last drain')
    .argument('<table>')
    .action(async (name: string, _l: unknown, cmd: Command) => {
      const { t, o } = await client(cmd);
      const d = json(TableSchema, await t.describe(name));
      if (o.output !== 'table') { await io.out(o.output === 'csv' ? csvLines(Object.keys(d), [Object.values(d).map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v))], true) : structured(d, o.output)); return; }
      const columns = (d.columns as Record<string, unknown>[]).map((c) => [c.name, c.type, c.nullable, c.defaultExpression]);
      await io.out(`${recordText(d)}\n${tableText(['column', 'type', 'nullable', 'default'], columns, `(${columns.length} columns)`)}`);
    });

  withBucket(table.command('create'))
    .description('create a table from SQL (CREATE TABLE …) or a columns file')
    .option('--sql <sql>', 'a CREATE TABLE statement')
    .option('--table <table>', 'table name (with --columns)')
    .option('--columns <file>', 'JSON array of {name, type, nullable?, defaultExpression?} (type: COLUMN_TYPE_* name)')
    .option('--partition-by <columns>', 'comma-separated partition columns (with --columns)')
    .option('--merge-keys <columns>', 'comma-separated merge keys (with --columns)')
    .addHelpText('after', `\nExamples:\n  k3 table create --bucket my-bucket --sql "CREATE TABLE events (id BIGINT PRIMARY KEY, kind VARCHAR)"\n  k3 table create --bucket my-bucket --table events --columns columns.json --merge-keys id`)
    .action(async (local: { sql?: string; table?: string; columns?: string; partitionBy?: string; mergeKeys?: string }, cmd: Command) => {
      const { t, o } = await client(cmd);
      if ((local.sql === undefined) === (local.columns === undefined)) throw new UsageError('give exactly one of --sql or --columns (with --table)');
      if (local.sql !== undefined) {
        const res = await t.execute(local.sql);
        if (res.kind !== 'ddl') throw new UsageError('--sql must be a CREATE TABLE statement');
        const d = json(ExecuteResponseSchema, res.response).ddl as Record<string, unknown>;
        await print(o, d, `(${String(d.action)} ${String(d.tableName)})`);
        return;
      }
      if (local.table === undefined) throw new UsageError('--columns needs --table');
      const { readFile } = await import('node:fs/promises');
      const columns = JSON.parse(await readFile(local.columns!, 'utf8')) as never[];
      const split = (s?: string): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
      const created = json(TableSchema, await t.create({ name: local.table, columns, partitionColumns: split(local.partitionBy), mergeKeys: split(local.mergeKeys) }));
      await print(o, created, `(created ${local.table})`);
    });

  // --- wip/pipeline: pipeline-generated tables (docs/design/pipeline-tables.md)
  const FORMAT_ENUM: Record<string, IngestFormat> = { csv: IngestFormat.CSV, tsv: IngestFormat.TSV, ndjson: IngestFormat.NDJSON, json: IngestFormat.JSON, parquet: IngestFormat.PARQUET };
  withBucket(table.command('create-pipeline'))
    .description('create a table whose rows come from the objects matching globs (CreateTablePipeline)')
    .requiredOption('--table <table>', 'table name')
    .requiredOption('--glob <glob>', 'key glob over the bucket (repeatable), e.g. incoming/**/*.csv', collect)
    .requiredOption('--format <format>', `object format: ${Object.keys(FORMAT_ENUM).join(', ')}`)
    .option('--delimiter <char>', 'CSV delimiter (default ",", tsv: tab)')
    .option('--no-header', 'CSV/TSV without a header line')
    .option('--columns <file>', 'explicit schema: JSON array of {name, type, nullable?} (default: from the first object)')
    .option('--merge-keys <columns>', 'comma-separated merge keys: rows upsert by them')
    .option('--partition-by <columns>', 'comma-separated partition columns')
    .option('--transform <sql>', 'SELECT … FROM source applied to every object')
    .option('--on-change <mode>', 'a changed object: replace (default) its earlier rows, or append')
    .addHelpText('after', `\nExamples:\n  k3 table create-pipeline --bucket B --table events --glob 'incoming/**/*.csv' --format csv\n  k3 table create-pipeline --bucket B --table users --glob 'dumps/*.ndjson' --format ndjson --merge-keys id --transform "SELECT id, lower(email) AS email FROM source"`)
    .action(async (local: { table: string; glob: string[]; format: string; delimiter?: string; header: boolean; columns?: string; mergeKeys?: string; partitionBy?: string; transform?: string; onChange?: string }, cmd: Command) => {
      const format = FORMAT_ENUM[local.format.toLowerCase()];
      if (format === undefined) throw new UsageError(`--format must be one of ${Object.keys(FORMAT_ENUM).join(', ')}`);
      const onChange = local.onChange === undefined ? IngestOnChange.UNSPECIFIED : ({ replace: IngestOnChange.REPLACE, append: IngestOnChange.APPEND } as Record<string, IngestOnChange>)[local.onChange];
      if (onChange === undefined) throw new UsageError('--on-change must be replace or append');
      const { t, o } = await client(cmd);
      const split = (x?: string): string[] => (x ?? '').split(',').map((v) => v.trim()).filter(Boolean);
      const columns = local.columns === undefined ? [] : JSON.parse(await (await import('node:fs/promises')).readFile(local.columns, 'utf8')) as never[];
      const res = await t.createPipeline({
        name: local.table, globs: local.glob, format, header: local.header, delimiter: local.delimiter ?? '', columns,
        mergeKeys: split(local.mergeKeys), partitionColumns: split(local.partitionBy), transform: local.transform ?? '', onChange,
      });
      const out = json(CreateTablePipelineResponseSchema, res);
      await print(o, out, `(created pipeline table ${local.table}, pipeline ${res.rule?.pipelineId ?? ''})`);
    });

  withBucket(table.command('ingest-runs'))
    .description('ingest runs of a pipeline table, newest first (status, rows, error per object)')
    .argument('<table>')
    .option('--limit <n>', 'runs (1..10000)', nonNegativeInt('--limit'))
    .action(async (name: string, local: { limit?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const r = json(ListIngestRunsResponseSchema, await t.ingestRuns(name, { ...(local.limit !== undefined ? { pageSize: local.limit } : {}) }));
      if (o.output === 'json' || o.output === 'yaml') { await io.out(structured(r, o.output)); return; }
      const runs = (r.runs ?? []) as Record<string, unknown>[];
      await io.out(listText(runs, ['objectKey', 'status', 'rows', 'deltaVersion', 'errorCode', 'errorMessage'], o.output, o.quiet ? '' : `(${runs.length} run${runs.length === 1 ? '' : 's'})`));
    });

  withBucket(table.command('ingest'))
    .description('ingest one object through the table\'s rule now (TriggerIngest)')
    .argument('<table>')
    .argument('<key>', 'object key')
    .action(async (name: string, key: string, _local: unknown, cmd: Command) => {
      const { t, o } = await client(cmd);
      const run = json(IngestRunSchema, await t.triggerIngest(name, key));
      await print(o, run, `(${String(run.status)})`);
    });

  withBucket(table.command('drop'))
    .description('drop a table (its Delta log and files)')
    .argument('<table>')
    .option('--if-exists', 'no error when the table does not exist')
    .action(async (name: string, local: { ifExists?: boolean }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const r = json(DropTableResponseSchema, await t.drop(name, { ifExists: local.ifExists ?? false }));
      await print(o, r, r.dropped ? `(dropped ${name})` : `(${name} did not exist)`);
    });

  withBucket(table.command('history'))
    .description('versions of a table, newest first')
    .argument('<table>')
    .option('--limit <n>', 'entries (1..1000)', nonNegativeInt('--limit'))
    .option('--before-version <n>', 'only versions below n (paging)', nonNegativeInt('--before-version'))
    .action(async (name: string, local: { limit?: number; beforeVersion?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const h = json(HistoryResponseSchema, await t.history(name, { ...(local.limit !== undefined ? { limit: local.limit } : {}), ...(local.beforeVersion !== undefined ? { beforeVersion: local.beforeVersion } : {}) }));
      if (o.output === 'json' || o.output === 'yaml') { await io.out(structured(h, o.output)); return; }
      const entries = (h.entries ?? []) as Record<string, unknown>[];
      await io.out(listText(entries, ['version', 'timestamp', 'operation', 'userName'], o.output, o.quiet ? '' : `(${entries.length} version${entries.length === 1 ? '' : 's'}${h.hasMore ? `; more: --before-version ${String(h.oldestReturnedVersion)}` : ''})`));
    });

  withBucket(table.command('optimize'))
    .description('bin-pack small files, or Z-order by columns')
    .argument('<table>')
    .option('--zorder <columns>', 'comma-separated Z-order columns')
    .option('--target-file-size-mb <mb>', 'target file size', nonNegativeInt('--target-file-size-mb'))
    .action(async (name: string, local: { zorder?: string; targetFileSizeMb?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const bar = progress(showProgress(o), 'optimizing', io.progressStream);
      try {
        const r = json(OptimizeResponseSchema, await t.optimize(name, { zOrder: local.zorder?.split(',').map((s) => s.trim()).filter(Boolean) ?? [], ...(local.targetFileSizeMb !== undefined ? { targetFileSizeMb: local.targetFileSizeMb } : {}) }));
        bar.stop();
        await print(o, r, `(optimized ${name}: ${String(r.filesRemoved)} files → ${String(r.filesAdded)})`);
      } finally {
        bar.stop();
      }
    });

  withBucket(table.command('vacuum'))
    .description('delete files no version within the retention needs')
    .argument('<table>')
    .option('--retain-hours <h>', 'retention (default 168)', nonNegativeInt('--retain-hours'))
    .option('--dry-run', 'list what a real run would delete')
    .action(async (name: string, local: { retainHours?: number; dryRun?: boolean }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const r = json(VacuumResponseSchema, await t.vacuum(name, { dryRun: local.dryRun ?? false, ...(local.retainHours !== undefined ? { retentionHours: local.retainHours } : {}) }));
      await print(o, r, `(${String(r.filesDeleted)} file${r.filesDeleted === '1' ? '' : 's'} ${local.dryRun ? 'would be ' : ''}deleted)`);
    });

  withBucket(table.command('compact'))
    .description("drain a keyed table's write log into Delta")
    .argument('<table>')
    .option('--until-drained', 'repeat until the write log is empty')
    .option('--batch-size <n>', 'write-log records per call', nonNegativeInt('--batch-size'))
    .action(async (name: string, local: { untilDrained?: boolean; batchSize?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const bar = progress(showProgress(o) && local.untilDrained === true, 'draining', io.progressStream);
      let merged = 0n;
      try {
        const r = json(CompactResponseSchema, await t.compact(name, {
          untilDrained: local.untilDrained ?? false,
          ...(local.batchSize !== undefined ? { batchSize: local.batchSize } : {}),
          onProgress: (p) => { merged += p.rowsMerged; bar.update(Number(merged)); },
        }));
        bar.stop();
        await print(o, r, `(${merged} row${merged === 1n ? '' : 's'} merged${r.truncated ? '; more remain' : ''})`);
      } finally {
        bar.stop();
      }
    });

  withBucket(table.command('restore'))
    .description('restore a table to an earlier version (a new version)')
    .argument('<table>')
    .option('--version <n>', 'version to restore', nonNegativeInt('--version'))
    .option('--timestamp <ts>', 'RFC 3339 timestamp to restore')
    .action(async (name: string, local: { version?: number; timestamp?: string }, cmd: Command) => {
      const { t, o } = await client(cmd);
      if ((local.version === undefined) === (local.timestamp === undefined)) throw new UsageError('give exactly one of --version or --timestamp');
      const r = json(RestoreResponseSchema, await t.restore(name, local.version !== undefined ? { version: local.version } : { timestamp: local.timestamp! }));
      await print(o, r, `(restored ${name}: version ${String(r.versionBefore)} → ${String(r.versionAfter)})`);
    });

  withBucket(table.command('changes'))
    .description("the table's Change Data Feed: every changed row from --from to --to (default: the latest), oldest first")
    .argument('<table>')
    .option('--from <n>', 'first version (inclusive)', nonNegativeInt('--from'))
    .option('--to <n>', 'last version (inclusive; default the latest)', nonNegativeInt('--to'))
    .option('--from-timestamp <ts>', 'instead of --from: the first version committed at or after this RFC 3339 time')
    .option('--to-timestamp <ts>', 'instead of --to: the last version committed at or before this time')
    .option('--page-size <n>', 'rows per request (1..10000)', nonNegativeInt('--page-size'))
    .addHelpText('after', `\nThe table must have the change data feed on (CREATE TABLE … WITH ('delta.enableChangeDataFeed' = true)).\n\nExamples:\n  k3 table changes orders --bucket my-bucket --from 3\n  k3 table changes orders --bucket my-bucket --from 3 --to 7 -o json\n  k3 table changes orders --bucket my-bucket --from-timestamp 2026-05-18T00:00:00Z -o csv`)
    .action(async (name: string, local: { from?: number; to?: number; fromTimestamp?: string; toTimestamp?: string; pageSize?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      if (local.from === undefined && local.fromTimestamp === undefined) throw new UsageError('k3 table changes needs --from N (or --from-timestamp T), the first version whose changes to print');
      if (local.from !== undefined && local.fromTimestamp !== undefined) throw new UsageError('give --from or --from-timestamp, not both');
      if (local.to !== undefined && local.toTimestamp !== undefined) throw new UsageError('give --to or --to-timestamp, not both');
      const bar = progress(showProgress(o), 'reading changes', io.progressStream);
      let columns: { name: string; type?: string }[] = [];
      const rows: unknown[][] = [];
      let count = 0;
      let first: Record<string, unknown> | undefined;
      try {
        for await (const page of t.changes(name, {
          ...(local.from !== undefined ? { fromVersion: local.from } : {}), ...(local.to !== undefined ? { toVersion: local.to } : {}),
          ...(local.fromTimestamp !== undefined ? { fromTimestamp: local.fromTimestamp } : {}), ...(local.toTimestamp !== undefined ? { toTimestamp: local.toTimestamp } : {}),
          ...(local.pageSize !== undefined ? { pageSize: local.pageSize } : {}),
        })) {
          columns = page.json.columns as { name: string }[];
          // CSV streams page by page (bounded memory); the other formats need every row first.
          if (o.output === 'csv') await io.out(csvLines(columns.map((c) => c.name), page.json.rows as unknown[][], first === undefined));
          else rows.push(...(page.json.rows as unknown[][]));
          first ??= page.json;
          count += (page.json.rows as unknown[][]).length;
          bar.update(count);
        }
      } finally {
        bar.stop();
      }
      const range = `${String(first!.fromVersion)}..${String(first!.toVersion)}`;
      const names = columns.map((c) => c.name);
      if (o.output === 'json' || o.output === 'yaml') { await io.out(structured({ tableName: first!.tableName, fromVersion: first!.fromVersion, toVersion: first!.toVersion, columns, rows }, o.output)); return; }
      if (o.output === 'csv') return;
      await io.out(tableText(names, rows, o.quiet ? '' : `(${rows.length} change${rows.length === 1 ? '' : 's'} · versions ${range})`));
    });

  withBucket(table.command('diff'))
    .description('what changed since a version: rows added, removed and changed against the latest version (or --to-version), by primary key when there is one')
    .argument('<table>')
    .requiredOption('--version <n>', 'the older version', nonNegativeInt('--version'))
    .option('--to-version <n>', 'the newer version (default the latest)', nonNegativeInt('--to-version'))
    .option('--limit <n>', 'rows listed (1..1000, default 100); the counts are always complete', nonNegativeInt('--limit'))
    .addHelpText('after', '\nWorks on every table (no change data feed needed).\n\nExamples:\n  k3 table diff orders --bucket my-bucket --version 40\n  k3 table diff orders --bucket my-bucket --version 40 --to-version 42 -o json')
    .action(async (name: string, local: { version: number; toVersion?: number; limit?: number }, cmd: Command) => {
      const { t, o } = await client(cmd);
      const d = json(DiffResponseSchema, await t.diff(name, local.version, { ...(local.toVersion !== undefined ? { toVersion: local.toVersion } : {}), ...(local.limit !== undefined ? { limit: local.limit } : {}) }));
      if (o.output === 'json' || o.output === 'yaml') { await io.out(structured(d, o.output)); return; }
      const cells = (d.rows as Record<string, unknown>[]).map((r) => [r.change, ...['key', 'before', 'after'].map((k) => (r[k] === undefined ? null : JSON.stringify(r[k])))]);
      const header = ['change', 'key', 'before', 'after'];
      if (o.output === 'csv') { await io.out(csvLines(header, cells, true)); return; }
      const keyed = (d.keyColumns as string[]).length > 0 ? `by ${(d.keyColumns as string[]).join(', ')}` : 'no primary key: compared as multisets';
      await io.out(tableText(header, cells, o.quiet ? '' : `(+${String(d.added)} added · -${String(d.removed)} removed · ~${String(d.changed)} changed · versions ${String(d.fromVersion)} → ${String(d.toVersion)} · ${keyed}${d.truncated ? ' · more rows: raise --limit' : ''})`));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.usage; // commander already printed the message
    }
    if (e instanceof UsageError || e instanceof RowsInputError) {
      io.err(`k3: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = K3Error.from(e);
    if (err !== undefined) {
      io.err(`${err.code}: ${err.message.replace(/^ERR_[A-Z_]+: /, '')}\n`);
      return err.code === 'ERR_UNAUTHENTICATED' || err.code === 'ERR_FORBIDDEN' ? EXIT.auth : EXIT.failed;
    }
    if (e instanceof SyntaxError) {
      io.err(`k3: ${e.message}\n`);
      return EXIT.usage;
    }
    io.err(`k3: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
}
