/**
 * `--rows FILE|-`: a JSON array of objects, or NDJSON (one object per line), from a file or stdin.
 * Read as a stream and handed out in batches, so a large NDJSON file never sits in memory whole.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export class RowsInputError extends Error {}

/**
 * JSON.parse that keeps integers beyond ±2^53 exact: they come back as their digit strings, which
 * the API takes for 64-bit columns (a JS number would silently round 9007199254740993).
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source) ? context.source : value);
}

function asRow(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RowsInputError(`${where}: each row must be a JSON object ({"column": value, …})`);
  return v as Record<string, unknown>;
}

export async function* readRowBatches(source: string, stdin: Readable, batchSize: number): AsyncGenerator<Record<string, unknown>[]> {
  const input = source === '-' ? stdin : createReadStream(source, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: Record<string, unknown>[] = [];
  let lineNo = 0;
  let arrayText: string[] | undefined;
  for await (const line of lines) {
    lineNo++;
    const trimmed = line.trim();
    if (arrayText !== undefined) { arrayText.push(line); continue; }
    if (trimmed === '') continue;
    if (trimmed.startsWith('[')) { arrayText = [line]; continue; }
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(trimmed);
    } catch (e) {
      throw new RowsInputError(`${source === '-' ? 'stdin' : source} line ${lineNo}: not JSON (${(e as Error).message}); give a JSON array of objects or one object per line`);
    }
    batch.push(asRow(parsed, `${source === '-' ? 'stdin' : source} line ${lineNo}`));
    if (batch.length >= batchSize) { yield batch; batch = []; }
  }
  if (arrayText !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseJsonLossless(arrayText.join('\n'));
    } catch (e) {
      throw new RowsInputError(`${source === '-' ? 'stdin' : source}: not a JSON array (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new RowsInputError(`${source}: expected a JSON array of objects`);
    for (let i = 0; i < parsed.length; i += batchSize) yield parsed.slice(i, i + batchSize).map((r, j) => asRow(r, `row ${i + j + 1}`));
    return;
  }
  if (batch.length > 0) yield batch;
}
