/**
 * Turns "the client went away" into an AbortSignal for the engine. The response socket closing
 * before the response was written is the only reliable disconnect signal (the request stream
 * closes as soon as the body was read).
 */
import type { FastifyReply } from 'fastify';

export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  };
  res.once('close', onClose);
  return controller.signal;
}
