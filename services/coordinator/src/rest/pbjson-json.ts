/** pbjson as REST answers it: default values emitted, int64 as strings, enums as names. */
import { toJson, type DescMessage } from '@bufbuild/protobuf';

export function toPbjson(schema: DescMessage, message: unknown): string {
  return JSON.stringify(toJson(schema, message as never, { alwaysEmitImplicit: true }));
}
