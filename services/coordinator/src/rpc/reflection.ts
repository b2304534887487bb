/**
 * gRPC server reflection (v1 and v1alpha, the same messages under two package names), built from
 * the generated file descriptors, so `buf curl` and grpcurl list and call every method without a
 * copy of the proto. Connect has none built in (ecosystem notes); this answers the four questions
 * clients ask: list services, the file containing a symbol, a file by name, extensions (none).
 * Files are sent with their transitive dependencies (google/protobuf/struct.proto).
 *
 * Bidirectional streaming needs HTTP/2, so it is registered on the native gRPC listener only.
 */
import { createRegistry, toBinary, type DescFile, type Registry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { TableService, file_dodil_k3_tables_v1_k3_tables } from '@k3/client';
import * as v1 from '@k3/client/gen/grpc/reflection/v1/reflection_pb.ts';
import * as v1alpha from '@k3/client/gen/grpc/reflection/v1alpha/reflection_pb.ts';

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;
type Answer = v1.ServerReflectionResponse['messageResponse'];

function withDependencies(file: DescFile, seen = new Set<string>(), out: DescFile[] = []): DescFile[] {
  if (seen.has(file.name)) return out;
  seen.add(file.name);
  out.push(file);
  for (const dep of file.dependencies) withDependencies(dep, seen, out);
  return out;
}

function filesAnswer(files: DescFile[]): Answer {
  return {
    case: 'fileDescriptorResponse',
    value: { $typeName: 'grpc.reflection.v1.FileDescriptorResponse', fileDescriptorProto: files.map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) },
  };
}

function errorAnswer(code: number, message: string): Answer {
  return { case: 'errorResponse', value: { $typeName: 'grpc.reflection.v1.ErrorResponse', errorCode: code, errorMessage: message } };
}

function fileOfSymbol(registry: Registry, symbol: string): DescFile | undefined {
  const desc = registry.get(symbol);
  if (desc !== undefined) return desc.file;
  // A method: `package.Service.Method`.
  const dot = symbol.lastIndexOf('.');
  const service = dot > 0 ? registry.getService(symbol.slice(0, dot)) : undefined;
  return service?.methods.some((m) => m.name === symbol.slice(dot + 1)) ? service.file : undefined;
}

export interface ReflectionIndex {
  readonly registry: Registry;
  readonly files: ReadonlyMap<string, DescFile>;
  readonly services: readonly string[];
}

export function answerReflection({ registry, files, services }: ReflectionIndex, req: Request): Answer {
  const r = req.messageRequest;
  switch (r.case) {
    case 'listServices':
      return { case: 'listServicesResponse', value: { $typeName: 'grpc.reflection.v1.ListServiceResponse', service: services.map((name) => ({ $typeName: 'grpc.reflection.v1.ServiceResponse', name })) } };
    case 'fileContainingSymbol': {
      const file = fileOfSymbol(registry, r.value);
      return file ? filesAnswer(withDependencies(file)) : errorAnswer(NOT_FOUND, `symbol not found: ${r.value}`);
    }
    case 'fileByFilename': {
      const file = files.get(r.value);
      return file ? filesAnswer(withDependencies(file)) : errorAnswer(NOT_FOUND, `file not found: ${r.value}`);
    }
    case 'fileContainingExtension':
      return errorAnswer(NOT_FOUND, 'no extensions are defined');
    case 'allExtensionNumbersOfType':
      return { case: 'allExtensionNumbersResponse', value: { $typeName: 'grpc.reflection.v1.ExtensionNumberResponse', baseTypeName: r.value, extensionNumber: [] } };
    default:
      return errorAnswer(UNIMPLEMENTED, 'unknown reflection request');
  }
}

/** Registers ServerReflection v1 and v1alpha on a router (HTTP/2 only: bidi streaming). */
export function reflectionRoutes(router: ConnectRouter): void {
  const files = [file_dodil_k3_tables_v1_k3_tables, v1.file_grpc_reflection_v1_reflection, v1alpha.file_grpc_reflection_v1alpha_reflection];
  const all = files.flatMap((f) => withDependencies(f));
  const index: ReflectionIndex = {
    registry: createRegistry(...all),
    files: new Map(all.map((f) => [f.name, f])),
    services: [TableService.typeName, v1.ServerReflection.typeName, v1alpha.ServerReflection.typeName],
  };
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield { validHost: req.host, originalRequest: req, messageResponse: answerReflection(index, req) };
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        // Same shapes, other type names: re-type the answer's nested messages for v1alpha.
        const answer = answerReflection(index, req) as unknown as v1alpha.ServerReflectionResponse['messageResponse'];
        yield { validHost: req.host, originalRequest: req, messageResponse: retype(answer) };
      }
    },
  });
}

function retype(answer: v1alpha.ServerReflectionResponse['messageResponse']): v1alpha.ServerReflectionResponse['messageResponse'] {
  // `create` ignores $typeName of nested init objects by field descriptor, so dropping it is enough.
  if (answer.case === undefined) return answer;
  const { $typeName: _ignored, ...rest } = answer.value as { $typeName: string } & Record<string, unknown>;
  if (answer.case === 'listServicesResponse') {
    return { case: answer.case, value: { ...(rest as object), service: answer.value.service.map((s) => ({ name: s.name })) } as never };
  }
  return { case: answer.case, value: rest as never };
}
