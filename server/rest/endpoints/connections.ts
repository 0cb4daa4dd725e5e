import { z } from 'zod';
import { readEngineConfig } from '../../../engine/config';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
  type ConnectionView,
} from '../../../engine/connectors/connections';
import { ConnectorInputError } from '../../../engine/connectors/errors';
import { processSecretKey } from '../../../engine/secrets/secrets';
import { pgText } from '../../../engine/store/pg-values';
import { getDb } from '../../db';
import { connectionConfigInput, nameInput } from '../../inputs';
import { defineEndpoint } from '../endpoint';
import { ApiError } from '../errors';

const secretKey = () => processSecretKey(readEngineConfig());

/** A config the connector refuses is a 400 naming the field (`body.config.<field>`), as zod's would be. */
async function withConfigPath<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConnectorInputError) {
      throw new ApiError(400, 'invalid_request', error.message, `body.config.${error.field}`);
    }
    throw error;
  }
}

const connectionSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  connector_type: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
const connectionSchema = connectionSummarySchema.extend({
  config: z
    .record(z.string(), z.unknown())
    .describe('The connector fields; secret fields read as `{ "set": true|false }`, never their value'),
});

function record(view: ConnectionView) {
  return { ...view, created_at: view.created_at.toISOString(), updated_at: view.updated_at.toISOString() };
}

const nameParams = z.object({ name: nameInput });
const config = connectionConfigInput;

export const listConnectionsEndpoint = defineEndpoint({
  method: 'GET',
  path: '/connection',
  tag: 'Connections',
  summary: 'List connections',
  responses: {
    200: { description: 'Every connection', schema: z.object({ items: z.array(connectionSummarySchema) }) },
  },
  async handler() {
    const items = await listConnections(getDb());
    return {
      status: 200,
      body: {
        items: items.map((c) => ({
          ...c,
          created_at: c.created_at.toISOString(),
          updated_at: c.updated_at.toISOString(),
        })),
      },
    };
  },
});

export const getConnectionEndpoint = defineEndpoint({
  method: 'GET',
  path: '/connection/{name}',
  tag: 'Connections',
  summary: 'Read a connection (secrets are write-only)',
  params: nameParams,
  responses: { 200: { description: 'The connection', schema: connectionSchema } },
  async handler({ params }) {
    return { status: 200, body: record(await getConnection(getDb(), params.name)) };
  },
});

export const createConnectionEndpoint = defineEndpoint({
  method: 'POST',
  path: '/connection',
  tag: 'Connections',
  summary: 'Create a connection',
  body: z.strictObject({
    name: nameInput,
    connector_type: pgText().min(1).max(100),
    config,
  }),
  responses: { 201: { description: 'The new connection', schema: connectionSchema } },
  async handler({ body, principal }) {
    const key = await secretKey();
    const view = await withConfigPath(() =>
      createConnection(getDb(), key, { ...body, userId: principal.userId }),
    );
    return { status: 201, body: record(view) };
  },
});

export const updateConnectionEndpoint = defineEndpoint({
  method: 'PATCH',
  path: '/connection/{name}',
  tag: 'Connections',
  summary: "Replace a connection's config and/or rename it",
  description: 'Secret fields are write-only: absent or "" keeps the stored value, null removes it.',
  params: nameParams,
  body: z.strictObject({ name: nameInput.optional(), config }),
  responses: { 200: { description: 'The connection after the change', schema: connectionSchema } },
  async handler({ params, body, principal }) {
    const key = await secretKey();
    const view = await withConfigPath(() =>
      updateConnection(getDb(), key, params.name, {
        name: body.name,
        config: body.config,
        userId: principal.userId,
      }),
    );
    return { status: 200, body: record(view) };
  },
});

export const deleteConnectionEndpoint = defineEndpoint({
  method: 'DELETE',
  path: '/connection/{name}',
  tag: 'Connections',
  summary: 'Delete a connection',
  params: nameParams,
  responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.string() }) } },
  async handler({ params }) {
    await deleteConnection(getDb(), params.name);
    return { status: 200, body: { deleted: params.name } };
  },
});
