/**
 * Child process for the cross-process concurrency test: commits each AddFile of a JSON list as
 * its own blind append to a table on a LocalObjectStore, re-reading the snapshot every time.
 * Usage: node append-worker.ts <storeDir> <root> <addsJsonFile>. Prints one JSON result per line.
 */
import { readFile } from 'node:fs/promises';
import type { AddFile } from '../../../../src/delta/actions.ts';
import { loadSnapshot } from '../../../../src/delta/snapshot.ts';
import { Transaction } from '../../../../src/delta/transaction.ts';
import { LocalObjectStore } from '../../../../src/object-store/local-object-store.ts';

const [storeDir, root, addsFile] = process.argv.slice(2);
if (storeDir === undefined || root === undefined || addsFile === undefined) {
  process.stderr.write('usage: append-worker.ts <storeDir> <root> <addsJsonFile>\n');
  process.exit(64);
}
const store = new LocalObjectStore(storeDir);
const adds = JSON.parse(await readFile(addsFile, 'utf8')) as AddFile[];
for (const add of adds) {
  const snapshot = await loadSnapshot(store, root);
  const result = await Transaction.forSnapshot(store, snapshot, { maxRetries: 1000, checkpointInterval: 10 }).addFiles([add]).commit({ operation: 'WRITE', operationParameters: { mode: 'Append' } });
  process.stdout.write(`${JSON.stringify({ ...result, pid: process.pid })}\n`);
}
