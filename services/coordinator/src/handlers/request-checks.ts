/**
 * Checks every wire gets from the handlers (REST, Connect and gRPC alike): what JSON Schemas used
 * to say for REST only — the bucket name rules, required fields, ranges — now said once, with the
 * field's JSON name in the message.
 */
import type { DescEnum } from '@bufbuild/protobuf';
import { AppError } from '@k3/core';

/** S3 bucket naming rules: 3–63 chars of lowercase letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkBucket(bucket: string): string {
  if (!BUCKET.test(bucket)) {
    throw new AppError('ERR_INVALID_NAME', `Bucket name ${JSON.stringify(bucket)} is not valid; use 3-63 lowercase letters, digits, dots and hyphens (S3 rules).`, { field: 'bucket' });
  }
  return bucket;
}

export function required(value: string, field: string): string {
  if (value === '') throw new AppError('ERR_BAD_REQUEST', `Invalid request: ${field} is required; fix the request and retry.`, { field });
  return value;
}

export function checkRange(value: bigint, field: string, min: number, max: number): number {
  if (value < BigInt(min) || value > BigInt(max)) {
    throw new AppError('ERR_BAD_REQUEST', `Invalid request: ${field} must be between ${min} and ${max}; got ${value}.`, { field });
  }
  return Number(value);
}

/** The value name of an enum number (`FRESHNESS_STRONG`); refuses numbers the enum does not define. */
export function enumName(schema: DescEnum, value: number, field: string): string {
  const v = schema.values.find((e) => e.number === value);
  if (v === undefined) {
    throw new AppError('ERR_BAD_REQUEST', `Invalid request: ${field} ${value} is not a ${schema.name} (allowed: ${schema.values.map((e) => e.name).join(', ')}).`, { field });
  }
  return v.name;
}

/** An instant given as epoch milliseconds or ISO-8601 text (`dflt` when empty) → epoch ms. */
export function instantOf(text: string, field: string, dflt: number): number {
  if (text === '') return dflt;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms)) {
    throw new AppError('ERR_BAD_REQUEST', `Invalid request: ${field} must be epoch milliseconds or an ISO-8601 timestamp, got ${JSON.stringify(text)}.`, { field });
  }
  return ms;
}

/** `unimplemented('Insert')`: the engine port lacks the method. */
export function unimplemented(method: string): never {
  throw new AppError('ERR_UNIMPLEMENTED', `${method} is part of the TableService contract but this server does not implement it yet; use Execute with SQL meanwhile.`, { method });
}
