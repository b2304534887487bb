/**
 * Catalog routes: list, describe and create tables of a bucket (the structured counterparts of
 * SHOW TABLES / DESCRIBE / CREATE TABLE). Omitted column fields take their proto defaults here,
 * so the engine always receives complete `Column`s.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CreateTableRequest } from '@k3/core/api';
import type { SqlEngine } from '../sql-engine.ts';
import { assertSameBucket } from './same-bucket.ts';
import { normalizeCreateTableBody } from '../pbjson-input.ts';
import { CREATE_TABLE_SCHEMA, DESCRIBE_TABLE_SCHEMA, LIST_TABLES_SCHEMA } from '../schemas/route-schemas.ts';

interface ColumnInput {
  name: string;
  type: CreateTableRequest['columns'][number]['type'];
  nullable?: boolean;
  defaultExpression?: string;
}

type CreateTableBody = Omit<CreateTableRequest, 'columns'> & { columns: ColumnInput[] };

export function registerTableRoutes(app: FastifyInstance, engine: SqlEngine): void {
  app.get<{ Params: { bucket: string } }>('/:bucket/tables', { schema: LIST_TABLES_SCHEMA }, async (request) => {
    return { tables: await engine.listTables(request.params.bucket) };
  });

  app.get<{ Params: { bucket: string; table: string } }>('/:bucket/tables/:table', { schema: DESCRIBE_TABLE_SCHEMA }, async (request) => {
    return engine.describeTable(request.params.bucket, request.params.table);
  });

  const preValidation = async (request: FastifyRequest): Promise<void> => {
    request.body = normalizeCreateTableBody(request.body);
  };
  app.post<{ Params: { bucket: string }; Body: CreateTableBody }>('/:bucket/tables', { schema: CREATE_TABLE_SCHEMA, preValidation }, async (request, reply) => {
    const { bucket } = request.params;
    const body = request.body;
    assertSameBucket(bucket, body.bucket);
    const req: CreateTableRequest = {
      ...body,
      bucket,
      columns: body.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable ?? false, defaultExpression: c.defaultExpression ?? '' })),
    };
    const table = await engine.createTable(bucket, req, request.principal?.name);
    request.log.info({ table: table.name, columns: table.columns.length }, 'table created');
    return reply.code(201).send(table);
  });
}
