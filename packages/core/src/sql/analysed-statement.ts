/**
 * AnalysedStatement: the ONE analysis of a request's SQL text that every stage of the engine
 * reads (docs/design/statement-analysis.md). Built once per statement text, it holds
 *
 *   text ─▶ tokens (one lexer pass) ─▶ placeholders numbered ─▶ maintenance command?
 *        ─▶ time-travel rewrite (only when a token can start one) ─▶ the one statement, its shape
 *        ─▶ (lazily, once) DuckDB's statement count and its AST via json_serialize_sql
 *
 * Invariants: analysis depends on the text alone — never on a table's state — so an analysed
 * statement is valid for as long as the process runs (same DuckDB build) and is shared between
 * requests and prepared statements without invalidation; table snapshots are pinned per request
 * (RequestTables). A plain statement costs one token pass and at most one json_serialize_sql and
 * one extractStatements, whatever stages read it; every pass is linear in the text length. The AST
 * is read-only: stages build new nodes, never edit it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { MaintenanceCommand } from '../maintenance/maintenance-sql.ts';
import { serializeSelect, type SelectStatement } from '../plan/index.ts';
import { countStatements, singleStatement } from './classify-statement.ts';
import { maintenanceStatementOf } from './maintenance-statements.ts';
import type { PrePassed } from './pre-pass.ts';
import { isPunct, isWord, tokenize, type Token } from './sql-tokens.ts';
import { numberPlaceholders } from './statement-params.ts';
import { countValuesParseCut, valuesParseText } from './values-parse-text.ts';
import { rewriteTimeTravel } from './time-travel-binding.ts';

/** Words that can start a k3 table function call (history-function.ts, changes-function.ts). */
const K3_TABLE_FUNCTIONS = ['K3_HISTORY', 'TABLE_HISTORY', 'TABLE_CHANGES', 'K3_TABLE_CHANGES'];

export interface AnalysedStatement {
  /** The text as the caller sent it (the cache key with the parameter count). */
  readonly source: string;
  /** The request text with `?` placeholders numbered `$1 … $n` (what every stage reads). */
  readonly text: string;
  /** Highest placeholder number ($n); 0 without placeholders or when analysed for no values. */
  readonly placeholders: number;
  /** The number of bound values it was analysed for (undefined: any). */
  readonly paramCount: number | undefined;
  /** RESTORE / OPTIMIZE / VACUUM / DESCRIBE HISTORY: then `statement` is undefined. */
  readonly maintenance: MaintenanceCommand | undefined;
  /** The one statement as DuckDB sees it (time travel rewritten, k3 extensions stripped), its tokens and shape. */
  readonly statement: PrePassed | undefined;
  /** The text had AS OF / k3_history / table_changes and was rewritten to self-binding relation names. */
  readonly timeTravel: boolean;
  /** PRAGMA, or EXPLAIN of a write: tables bind as definitions (empty tables with constraints), not data. */
  readonly definitionOnly: boolean;
  /** PIVOT / UNPIVOT: DuckDB may expand the statement into several. */
  readonly pivot: boolean;
  /** How many statements DuckDB makes of `statement.sql` (extractStatements), asked once. */
  statementCount(conn: DuckDBConnection): Promise<number>;
  /**
   * DuckDB's AST of `statement.sql` (json_serialize_sql), parsed once; undefined when DuckDB does
   * not serialize it (json_serialize_sql serializes SELECT statements only) or it does not parse.
   */
  selectAst(conn: DuckDBConnection): Promise<readonly SelectStatement[] | undefined>;
}

/**
 * Analyses one request text. `paramCount`: the number of bound values (checked against the
 * placeholders); undefined accepts any number (describing a statement before its values exist).
 * Throws the same AppErrors the stages always threw (empty text, several statements, file access,
 * bad placeholders, malformed time travel / maintenance).
 */
export function analyseStatement(sql: string, paramCount: number | undefined, opts: AnalyseOptions = {}): AnalysedStatement {
  const tokens = tokenize(sql);
  // Without values the text is left as written (DuckDB reports an unbound placeholder itself).
  const numbered = paramCount === 0 ? { sql, placeholders: 0 } : numberPlaceholders(sql, paramCount, tokens);
  const text = numbered.sql;
  // `?` → `$k` moved offsets: only then is a second token pass needed.
  const textTokens = text === sql ? tokens : tokenize(text);
  const maintenance = maintenanceStatementOf(text, textTokens);
  if (maintenance !== undefined) {
    return new Analysed({ source: sql, paramCount, text, placeholders: numbered.placeholders, maintenance, statement: undefined, timeTravel: false }, opts);
  }
  const timeTravel = mayTimeTravel(textTokens);
  const rewritten = timeTravel ? rewriteTimeTravel(text) : text;
  const statement = rewritten === text ? singleStatement(text, textTokens) : singleStatement(rewritten);
  return new Analysed({ source: sql, paramCount, text, placeholders: numbered.placeholders, maintenance: undefined, statement, timeTravel: rewritten !== text }, opts);
}

export interface AnalyseOptions {
  /** The split parses long literal VALUES lists cut to their representative rows (values-parse-text.ts, K3_SPLIT_VALUES_CUT; default true). */
  readonly splitValuesCut?: boolean;
}

/** True when a token could start a time-travel construct (AS OF, VERSION AS OF, AT (…), a k3 table function). */
function mayTimeTravel(tokens: readonly Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    if (isWord(t, 'OF')) return true;
    if (isWord(t, 'AT', ...K3_TABLE_FUNCTIONS) && isPunct(tokens[i + 1], '(')) return true;
  }
  return false;
}

/** `EXPLAIN [ANALYZE] INSERT/UPDATE/DELETE/MERGE …`: the plan of a write needs a table, not a view. */
function explainsWrite(tokens: readonly Token[]): boolean {
  if (!isWord(tokens[0], 'EXPLAIN')) return false;
  const verb = tokens.find((t, i) => i > 0 && t.depth === 0 && isWord(t, 'SELECT', 'FROM', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'));
  return isWord(verb, 'INSERT', 'UPDATE', 'DELETE', 'MERGE');
}

type AnalysedParts = Pick<AnalysedStatement, 'source' | 'paramCount' | 'text' | 'placeholders' | 'maintenance' | 'statement' | 'timeTravel'>;

class Analysed implements AnalysedStatement {
  readonly source: string;
  readonly paramCount: number | undefined;
  readonly text: string;
  readonly placeholders: number;
  readonly maintenance: MaintenanceCommand | undefined;
  readonly statement: PrePassed | undefined;
  readonly timeTravel: boolean;
  readonly definitionOnly: boolean;
  readonly pivot: boolean;
  #count: Promise<number> | undefined;
  #ast: Promise<readonly SelectStatement[] | undefined> | undefined;
  readonly #valuesCut: boolean;

  constructor(parts: AnalysedParts, opts: AnalyseOptions) {
    this.#valuesCut = opts.splitValuesCut ?? true;
    this.source = parts.source;
    this.paramCount = parts.paramCount;
    this.text = parts.text;
    this.placeholders = parts.placeholders;
    this.maintenance = parts.maintenance;
    this.statement = parts.statement;
    this.timeTravel = parts.timeTravel;
    const tokens = parts.statement?.tokens ?? [];
    this.definitionOnly = isWord(tokens[0], 'PRAGMA') || explainsWrite(tokens);
    this.pivot = tokens.some((t) => isWord(t, 'PIVOT', 'UNPIVOT'));
  }

  statementCount(conn: DuckDBConnection): Promise<number> {
    // Only a success is kept: a failure (parse error, interrupt) is asked again next time.
    this.#count ??= this.#countStatements(conn).catch((err: unknown) => {
      this.#count = undefined;
      throw err;
    });
    return this.#count;
  }

  selectAst(conn: DuckDBConnection): Promise<readonly SelectStatement[] | undefined> {
    this.#ast ??= serializeSelect(conn, this.#sql()).then(
      (statements) => statements,
      (err: unknown) => {
        // Not a SELECT / does not parse: a fact of the text, kept. Anything else is asked again.
        if (typeof err === 'object' && err !== null && 'code' in err && (err.code === 'ERR_SQL_PARSE' || err.code === 'ERR_SQL_UNSUPPORTED')) return undefined;
        this.#ast = undefined;
        throw err;
      },
    );
    return this.#ast;
  }

  /**
   * A query without PIVOT / UNPIVOT (DuckDB's only one-into-several expansion) that DuckDB
   * serializes as one statement IS one statement: its AST (which every read of a query needs
   * anyway) answers, and DuckDB does not parse the text a second time (a 20,000-item IN list
   * costs ~2× less to plan). Anything else asks extractStatements.
   */
  async #countStatements(conn: DuckDBConnection): Promise<number> {
    if (!this.pivot && isWord(this.statement?.tokens[0], 'SELECT', 'FROM')) {
      const ast = await this.selectAst(conn);
      if (ast?.length === 1) return 1;
    }
    // Long literal VALUES lists: DuckDB parses their representative rows only (values-parse-text.ts,
    // wip/ingest8). Anything but exactly one statement there asks the text as written (the canonical answer).
    const cut = this.#valuesCut && this.statement !== undefined ? valuesParseText(this.statement.sql, this.statement.tokens) : undefined;
    if (cut !== undefined && (await countStatements(conn, cut).catch(() => undefined)) === 1) {
      countValuesParseCut();
      return 1;
    }
    return countStatements(conn, this.#sql());
  }

  #sql(): string {
    if (this.statement === undefined) throw new TypeError('a maintenance command has no DuckDB statement');
    return this.statement.sql;
  }
}
