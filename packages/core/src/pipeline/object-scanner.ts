/**
 * scanRule: one scan step of one ingest rule — list a page of keys under the globs' common
 * prefix after the persisted cursor, keep the ones matching the globs that the ledger does not
 * hold at their current version (new or changed) and that did not already fail at that version,
 * ingest them in batches, record the runs, then move the cursor (wrapping to the start when the
 * listing is exhausted, so changed objects anywhere are seen on the next pass). The cursor is
 * written after the ingest: a crash re-lists the page and the ledger skips what landed.
 * k3's own keys (tables, reserved prefixes) never match.
 */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES } from '../errors/index.ts';
import type { ObjectMeta, ObjectStore } from '../object-store/index.ts';
import { globLiteralPrefix, globToRegExp, matchesAnyGlob } from './glob-match.ts';
import type { IngestRule } from './ingest-rule.ts';
import { ingestBatch, trySnapshot, type IngestDeps } from './ingest-batch.ts';
import { ledgerState, objectVersionTag } from './ingest-ledger.ts';
import { IngestRunStatus, type IngestRun } from './ingest-run.ts';
import type { ObjectVersion } from './read-object.ts';
import { RuleStore } from './rule-store.ts';

export interface ScanDeps extends IngestDeps {
  readonly tablesPrefix: string;
  readonly scanPage: number;
  readonly batchObjects: number;
}

export interface ScanOutcome {
  readonly listed: number;
  readonly pending: number;
  readonly runs: readonly IngestRun[];
}

function commonPrefix(values: readonly string[]): string {
  let p = values[0] ?? '';
  for (const v of values) while (!v.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Whether a key belongs to k3 itself (never ingested whatever the globs say). */
export function isReservedKey(key: string, tablesPrefix: string): boolean {
  if (key.startsWith('__k3_') || key.startsWith('_k3_')) return true;
  if (tablesPrefix !== '' && key.startsWith(tablesPrefix.endsWith('/') ? tablesPrefix : `${tablesPrefix}/`)) return true;
  return /(^|\/)(_delta_log|_k3_wal|_change_data)\//.test(key);
}

export function matcherOf(rule: IngestRule, tablesPrefix: string): (key: string) => boolean {
  const globs = rule.globs.map(globToRegExp);
  return (key) => !isReservedKey(key, tablesPrefix) && matchesAnyGlob(key, globs);
}

export function versionOf(meta: ObjectMeta): ObjectVersion {
  return { key: meta.key, etag: objectVersionTag(meta), size: meta.size };
}

export async function scanRule(store: ObjectStore, root: string, rule: IngestRule, deps: ScanDeps): Promise<ScanOutcome> {
  const rules = new RuleStore(store);
  const cursor = await rules.cursor(rule.table);
  const prefix = commonPrefix(rule.globs.map(globLiteralPrefix));
  const page = await store.list(prefix, { ...(cursor.startAfter !== '' ? { startAfter: cursor.startAfter } : {}), limit: deps.scanPage });
  const matches = matcherOf(rule, deps.tablesPrefix);
  const candidates = page.objects.filter((o) => matches(o.key)).map(versionOf);
  const snapshot = candidates.length === 0 ? undefined : await trySnapshot(store, root);
  const marks = candidates.length === 0 ? new Map() : await rules.failedMarks(rule.table);
  const pending = candidates.filter((o) => (snapshot === undefined || ledgerState(snapshot.txns, o.key, o.etag) !== 'ingested') && marks.get(o.key)?.etag !== o.etag);
  const runs: IngestRun[] = [];
  for (let i = 0; i < pending.length; i += deps.batchObjects) {
    const batch = await ingestBatch({ store, root, rule }, pending.slice(i, i + deps.batchObjects), deps, 'INGEST_TRIGGER_SCAN');
    await recordOutcome(rules, rule.table, batch, deps.clock());
    runs.push(...batch);
  }
  const last = page.objects.at(-1)?.key;
  const exhausted = page.objects.length < deps.scanPage || last === undefined;
  await rules.saveCursor(rule.table, exhausted ? { startAfter: '', passes: cursor.passes + 1, updatedAt: deps.clock() } : { startAfter: last, passes: cursor.passes, updatedAt: deps.clock() });
  return { listed: page.objects.length, pending: pending.length, runs };
}

/**
 * Run records (SKIPPED runs are not news) and failed marks, so a bad version is not retried every
 * tick. The object's own faults (ERR_INGEST_*) and other errors the registry calls non-retryable
 * are marked; a store outage or a lost commit race (retryable) leaves the object pending, so the
 * next scan retries it.
 */
export async function recordOutcome(rules: RuleStore, table: string, runs: readonly IngestRun[], now: number): Promise<void> {
  const news = runs.filter((r) => r.status !== IngestRunStatus.SKIPPED || r.trigger === 'INGEST_TRIGGER_MANUAL');
  await rules.recordRuns(table, news, now, randomUUID());
  for (const r of runs) {
    if (r.status === IngestRunStatus.FAILED && isPermanent(r.errorCode)) await rules.markFailed(table, { key: r.objectKey, etag: r.etag, code: r.errorCode, message: r.errorMessage, at: now });
  }
}

function isPermanent(code: string): boolean {
  const spec = (ERROR_CODES as Record<string, { retryable: boolean } | undefined>)[code];
  return code.startsWith('ERR_INGEST_') || spec?.retryable === false;
}
