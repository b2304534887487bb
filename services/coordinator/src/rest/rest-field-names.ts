/**
 * Handlers name fields as the proto's JSON names (`sql`, `columns.0.type`); a REST caller sent
 * them in the body, the querystring or the path. This says where, in the error's `details.field`
 * and its message (`body.sql`, `params.bucket`), so REST errors point into the request as sent.
 */
import { AppError } from '@k3/core';
import { asAppError } from '../rpc/to-app-error.ts';

const PREFIXED = /^(body|querystring|params)(\.|$)/;

export function withRestFieldNames(err: unknown, where: 'body' | 'querystring', path: { table?: string }): unknown {
  const app = asAppError(err);
  const field = app?.details?.field;
  if (app === undefined || typeof field !== 'string' || PREFIXED.test(field)) return err;
  const located = field === 'bucket' ? 'params.bucket' : field === 'tableName' && path.table !== undefined ? 'params.table' : `${where}.${field}`;
  const message = app.message.replace(`Invalid request: ${field} `, `Invalid request: ${located} `);
  return new AppError(app.code, message, { ...app.details, field: located }, { cause: err });
}
