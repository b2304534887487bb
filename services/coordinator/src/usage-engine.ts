/**
 * The SqlEngine with usage metering (@k3/core/usage): every `execute` answer carries `usage`
 * (coordinator CPU + every remote scan job's CPU, memory GB-seconds, bytes / files scanned, rows
 * returned), the call is recorded in the bucket's UsageLedger, and `onMetered` sees the breakdown
 * (main.ts logs it as "execute metered"). Every other method passes through to the engine.
 * Every wire that serves Execute / Query goes through this engine, so each answer is metered once.
 */
import type { ExecuteUsage } from '@k3/core/api';
import { metered, type UsageBreakdown, type UsageLedger } from '@k3/core/usage';
import type { SqlEngine } from './sql-engine.ts';

export function withUsage(engine: SqlEngine, ledger: UsageLedger, onMetered?: (bucket: string, usage: ExecuteUsage, breakdown: UsageBreakdown) => void): SqlEngine {
  const execute: SqlEngine['execute'] = async (opts) => {
    const { response, breakdown } = await metered(() => engine.execute(opts));
    ledger.record(opts.bucket, response.usage!);
    onMetered?.(opts.bucket, response.usage!, breakdown);
    return response;
  };
  return new Proxy(engine, {
    get(target, prop, receiver) {
      if (prop === 'execute') return execute;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
