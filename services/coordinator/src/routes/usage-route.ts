/**
 * `GET /:bucket/usage?since=&until=`: the bucket's metered usage in [since, until) (epoch ms or an
 * ISO-8601 timestamp; default: everything this coordinator recorded), optionally priced with
 * K3_PRICE_VCPU_HOUR / K3_PRICE_GB_RAM_HOUR. docs/api.md ("Usage"), docs/operations.md. Registered in the
 * bucket-route scope of server.ts, whose auth hook needs a token with read scope on the bucket.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '@k3/core';
import type { UsageLedger } from '@k3/core/usage';

const USAGE_SCHEMA = {
  params: { type: 'object', required: ['bucket'], properties: { bucket: { type: 'string' } } },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { since: { type: 'string' }, until: { type: 'string' } },
  },
} as const;

function instant(name: string, text: string | undefined, dflt: number): number {
  if (text === undefined || text === '') return dflt;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms)) throw new AppError('ERR_BAD_REQUEST', `${name} must be epoch milliseconds or an ISO-8601 timestamp, got ${JSON.stringify(text)}.`, { field: name });
  return ms;
}

export function registerUsageRoute(app: FastifyInstance, ledger: UsageLedger): void {
  app.get<{ Params: { bucket: string }; Querystring: { since?: string; until?: string } }>('/:bucket/usage', { schema: USAGE_SCHEMA }, async (request) => {
    const since = instant('since', request.query.since, 0);
    const until = instant('until', request.query.until, Number.MAX_SAFE_INTEGER);
    if (until < since) throw new AppError('ERR_BAD_REQUEST', 'until must not be before since.', { since, until });
    return ledger.totals(request.params.bucket, since, until);
  });
}
