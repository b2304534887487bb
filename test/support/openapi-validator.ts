/**
 * Validates real responses against the OpenAPI document the server serves, so the document is
 * checked against the engine's actual output (not only against itself). Ajv 8 is taken from
 * fastify's own validator compiler (the top-level `ajv` package in node_modules is eslint's v6).
 */
import { createRequire } from 'node:module';

type AjvInstance = {
  addSchema(schema: object, key: string): unknown;
  getSchema(ref: string): ((v: unknown) => boolean) & { errors?: unknown[] | null };
};
type AjvClass = new (opts: Record<string, unknown>) => AjvInstance;

export type ResponseValidator = (component: string, value: unknown) => string | undefined;

export async function createResponseValidator(baseUrl: string): Promise<ResponseValidator> {
  const require = createRequire(import.meta.resolve('@fastify/ajv-compiler'));
  const mod = require('ajv') as { default?: AjvClass } & AjvClass;
  const Ajv = mod.default ?? mod;
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');
  return (component, value) => {
    const validate = ajv.getSchema(`openapi#/components/schemas/${component}`);
    if (validate(value)) return undefined;
    return `${component}: ${JSON.stringify(validate.errors).slice(0, 600)}`;
  };
}
