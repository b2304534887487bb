/**
 * Streamed REST results for Execute and Query, chosen by the Accept header:
 *   application/x-ndjson               one pbjson ResultChunk per line (header, batches, summary) —
 *                                      the same messages ExecuteStream sends on Connect / gRPC;
 *   application/vnd.apache.arrow.stream an Arrow IPC stream, one record batch per row batch
 *                                      (arrow-stream.ts).
 * Anything else gets the plain JSON response. Once the status line is out an error can no longer
 * change it: NDJSON then ends with an `{"error": {code, message, retryable, requestId}}` line,
 * Arrow ends early without its end-of-stream marker (readers see a truncated stream).
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ResultChunkSchema } from '@k3/client';
import { toErrorBody } from '@k3/core';
import { mapStreamErrors } from '../rpc/interceptors.ts';
import type { RequestContext } from '../rpc/request-context.ts';
import { asAppError } from '../rpc/to-app-error.ts';
import { arrowStream } from './arrow-stream.ts';
import { toPbjson } from './pbjson-json.ts';

export const NDJSON = 'application/x-ndjson';
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
export type StreamFormat = typeof NDJSON | typeof ARROW_STREAM;

export function streamFormatOf(accept: string | undefined): StreamFormat | undefined {
  if (accept === undefined) return undefined;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.includes(NDJSON)) return NDJSON;
  if (types.includes(ARROW_STREAM)) return ARROW_STREAM;
  return undefined;
}

async function* ndjson(chunks: AsyncIterable<unknown>, rc: RequestContext): AsyncGenerator<string> {
  try {
    for await (const chunk of mapStreamErrors(rc, chunks)) yield `${toPbjson(ResultChunkSchema, chunk)}\n`;
  } catch (err) {
    const app = asAppError(err);
    if (app) yield `${JSON.stringify({ error: toErrorBody(app, rc.requestId) })}\n`;
  }
}

export function sendStream(reply: FastifyReply, format: StreamFormat, chunks: AsyncIterable<unknown>, rc: RequestContext): FastifyReply {
  const body = format === NDJSON ? Readable.from(ndjson(chunks, rc)) : Readable.from(arrowStream(mapStreamErrors(rc, chunks)));
  return reply.code(200).type(format).send(body);
}
