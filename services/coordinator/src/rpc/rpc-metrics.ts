/**
 * Per-RPC metrics, one set for every wire: calls by method, wire and outcome (`OK` or the ERR_*
 * code) and their duration. Registered in the server's own registry (http-metrics.ts).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface RpcMetrics {
  requests: Counter<'method' | 'wire' | 'code'>;
  duration: Histogram<'method' | 'wire'>;
}

export function createRpcMetrics(registry: Registry): RpcMetrics {
  return {
    requests: new Counter({
      name: 'k3_rpc_requests_total',
      help: 'TableService calls by method, wire (rest, connect, grpc-web, grpc) and outcome (OK or the ERR_* code).',
      labelNames: ['method', 'wire', 'code'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'k3_rpc_duration_seconds',
      help: 'TableService call duration by method and wire (streams: until the stream opened).',
      labelNames: ['method', 'wire'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
