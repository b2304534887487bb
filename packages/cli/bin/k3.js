#!/usr/bin/env node
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping).
// The client commands load only what they need (no DuckDB, no AWS SDK), so they start fast.
const argv = process.argv.slice(2);
if (argv[0] === 'table' || argv[0] === 'login') {
  const { runTableCliProcess } = await import('../src/table/process.ts');
  process.exitCode = await runTableCliProcess(argv, process.env);
} else {
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(argv, { clientEnv: process.env });
}
