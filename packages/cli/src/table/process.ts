/**
 * `k3 table …` / `k3 login` as a process: stdout with backpressure (a closed pipe, `| head`,
 * ends the command quietly), stderr, stdin and the process environment. The bin loads only this
 * module for these commands, so they start without the engine's dependencies (DuckDB, AWS SDK).
 */
import { runTableCli } from './table-cli.ts';

class OutputClosed extends Error {}

export async function runTableCliProcess(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let closed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  const out = (text: string): Promise<void> => new Promise<void>((resolve, reject) => {
    if (closed) { reject(new OutputClosed()); return; }
    process.stdout.write(text, (err) => (err || closed ? reject(new OutputClosed()) : resolve()));
  });
  try {
    return await runTableCli(argv, { out, err: (t) => { process.stderr.write(t); }, env, stdin: process.stdin, progressStream: process.stderr });
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    throw e;
  }
}
