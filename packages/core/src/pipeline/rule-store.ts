/**
 * RuleStore: a bucket's ingest rules and their scanner state, as JSON objects under the reserved
 * `__k3_pipeline/` prefix (key layout: object-store/paths.ts). The rule is created by
 * put-if-absent (one rule per table); cursor, failed-object marks and run records are plain puts
 * of small objects. None of this decides exactly-once: the ledger in the table's Delta log does
 * (ingest-ledger.ts); a lost run record or cursor only costs a re-list.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { PIPELINE_PREFIX, pipelineRuleKey, pipelineStatePrefix } from '../object-store/paths.ts';
import type { IngestRule } from './ingest-rule.ts';
import type { IngestRun } from './ingest-run.ts';

export interface ScanCursor {
  /** The scan resumes listing strictly after this key ('' = from the start of the pass). */
  readonly startAfter: string;
  /** Completed passes over the rule's keys. */
  readonly passes: number;
  readonly updatedAt: number;
}

export interface FailedMark {
  readonly key: string;
  readonly etag: string;
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

const RUN_TIME_DIGITS = 16;
const MAX_TIME = 10 ** RUN_TIME_DIGITS - 1;

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const body = await store.get(key);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(body)) as T;
  } catch {
    throw new AppError('ERR_INTERNAL', `Pipeline state object ${key} is not valid JSON; delete it (the scanner rebuilds cursors and marks).`, { key });
  }
}

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class RuleStore {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** Creates the table's rule; false when the table already has one. */
  async create(rule: IngestRule): Promise<boolean> {
    return this.#store.putIfAbsent(pipelineRuleKey(rule.table), encode(rule));
  }

  async put(rule: IngestRule): Promise<void> {
    await this.#store.put(pipelineRuleKey(rule.table), encode(rule));
  }

  async get(table: string): Promise<IngestRule | undefined> {
    return readJson<IngestRule>(this.#store, pipelineRuleKey(table));
  }

  /** The rule, or ERR_PIPELINE_NOT_FOUND. */
  async require(table: string): Promise<IngestRule> {
    const rule = await this.get(table);
    if (rule === undefined) throw new AppError('ERR_PIPELINE_NOT_FOUND', `Table ${table} has no ingest rule; create it with CreateTablePipeline (k3 table create-pipeline).`, { table });
    return rule;
  }

  async list(): Promise<IngestRule[]> {
    const prefix = `${PIPELINE_PREFIX}rules/`;
    const { objects } = await this.#store.list(prefix);
    const rules = await Promise.all(objects.filter((o) => o.key.endsWith('.json')).map((o) => readJson<IngestRule>(this.#store, o.key)));
    return rules.filter((r): r is IngestRule => r !== undefined);
  }

  async cursor(table: string): Promise<ScanCursor> {
    return (await readJson<ScanCursor>(this.#store, `${pipelineStatePrefix(table)}cursor.json`)) ?? { startAfter: '', passes: 0, updatedAt: 0 };
  }

  async saveCursor(table: string, cursor: ScanCursor): Promise<void> {
    await this.#store.put(`${pipelineStatePrefix(table)}cursor.json`, encode(cursor));
  }

  async failedMark(table: string, key: string): Promise<FailedMark | undefined> {
    return readJson<FailedMark>(this.#store, `${pipelineStatePrefix(table)}failed/${keyHash(key)}.json`);
  }

  async markFailed(table: string, mark: FailedMark): Promise<void> {
    await this.#store.put(`${pipelineStatePrefix(table)}failed/${keyHash(mark.key)}.json`, encode(mark));
  }

  async clearFailed(table: string, key: string): Promise<void> {
    await this.#store.deleteMany([`${pipelineStatePrefix(table)}failed/${keyHash(key)}.json`]);
  }

  /** All failed marks of the table, by object key. */
  async failedMarks(table: string): Promise<Map<string, FailedMark>> {
    const { objects } = await this.#store.list(`${pipelineStatePrefix(table)}failed/`);
    const marks = await Promise.all(objects.map((o) => readJson<FailedMark>(this.#store, o.key)));
    return new Map(marks.filter((m): m is FailedMark => m !== undefined).map((m) => [m.key, m]));
  }

  /** Records the runs of one ingest batch (one object, newest first when listed). */
  async recordRuns(table: string, runs: readonly IngestRun[], now: number, id: string): Promise<void> {
    if (runs.length === 0) return;
    const inverted = String(MAX_TIME - now).padStart(RUN_TIME_DIGITS, '0');
    await this.#store.put(`${pipelineStatePrefix(table)}runs/${inverted}-${id}.json`, encode({ runs }));
  }

  /** Runs newest first, at most `limit`, continuing after `pageToken` (a run-record key). */
  async listRuns(table: string, limit: number, pageToken?: string): Promise<{ runs: IngestRun[]; nextPageToken: string }> {
    const runs: IngestRun[] = [];
    let after = pageToken;
    let nextPageToken = '';
    for (;;) {
      const { objects } = await this.#store.list(`${pipelineStatePrefix(table)}runs/`, { ...(after !== undefined && after !== '' ? { startAfter: after } : {}), limit: 200 });
      if (objects.length === 0) break;
      for (const o of objects) {
        const rec = await readJson<{ runs: IngestRun[] }>(this.#store, o.key);
        runs.push(...(rec?.runs ?? []));
        after = o.key;
        if (runs.length >= limit) {
          nextPageToken = o.key;
          return { runs, nextPageToken };
        }
      }
      if (objects.length < 200) break;
    }
    return { runs, nextPageToken };
  }

  /** Removes the rule and all scanner state (DropTable of a pipeline table). */
  async deleteAll(table: string): Promise<void> {
    const { objects } = await this.#store.list(pipelineStatePrefix(table));
    await this.#store.deleteMany([pipelineRuleKey(table), ...objects.map((o) => o.key)]);
  }
}
