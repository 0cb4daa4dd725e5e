import { z } from 'zod';
import type { Endpoint } from './endpoint';

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    path: z.string().optional(),
    issues: z
      .array(
        z.object({
          node: z.string().nullable(),
          path: z.string(),
          message: z.string(),
          severity: z.enum(['error', 'warning']),
        }),
      )
      .optional()
      .describe('Every finding, where there are several: an invalid graph lists each at its node and param'),
  }),
});

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

function parameters(endpoint: Endpoint) {
  const result: object[] = [];
  for (const [location, schema] of [
    ['path', endpoint.params],
    ['query', endpoint.query],
    ['header', endpoint.headers],
  ] as const) {
    if (!schema) continue;
    const described = jsonSchema(schema, 'input') as {
      properties?: Record<string, object>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(described.properties ?? {})) {
      result.push({
        name,
        in: location,
        required: location === 'path' || (described.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return result;
}

/** The OpenAPI 3.1 document of the REST API, generated from the same schemas that validate requests. */
export function buildOpenApiDocument(endpoints: readonly Endpoint[], serverUrl: string) {
  const paths: Record<string, Record<string, object>> = {};
  for (const endpoint of endpoints) {
    const responses: Record<string, object> = {};
    for (const [status, response] of Object.entries(endpoint.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }
          : {}),
      };
    }
    responses.default = {
      description:
        'An error: 400 invalid request, 401 no valid token, 403 a session request from another site, ' +
        '404 not found, 405 method not allowed, 409 conflict, 413 body too large',
      content: { 'application/json': { schema: jsonSchema(errorSchema, 'output') } },
    };
    (paths[endpoint.path] ??= {})[endpoint.method.toLowerCase()] = {
      tags: [endpoint.tag],
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      parameters: parameters(endpoint),
      ...(endpoint.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(endpoint.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  Object.assign(paths, webhookPaths());
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flowline REST API',
      version: 'latest',
      description: 'Start and follow executions, and manage flows and connections as records.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }],
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

/**
 * The webhook endpoint (server/rest/webhook.ts, docs/triggers.md): not a defineEndpoint (any content
 * type, any answer, authenticated by the webhook's key alone), so described here by hand.
 */
function webhookPaths(): Record<string, Record<string, object>> {
  const operation = (method: string) => ({
    tags: ['Webhooks'],
    summary: `Call a webhook (${method})`,
    description:
      'Starts the flow of the enabled webhook node named `name` (a WEBHOOK execution with the FLOW as its child). ' +
      "The flow gets `{ method, path, query, headers, body, json, raw }`. Answers the flow's output as JSON, or " +
      "what it set with `this.respond(...)`; 202 with `async=1`; 504 past the webhook's timeout; 500 with the " +
      "flow's message when it fails; 401 for a wrong or missing key; 404 when no enabled webhook has the name.",
    security: [],
    parameters: [
      { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
      {
        name: 'key',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: "The webhook's key, when it has one (or the JSON body's `key`)",
      },
      {
        name: 'async',
        in: 'query',
        required: false,
        schema: { enum: ['1'] },
        description: 'Answer 202 at once',
      },
    ],
    ...(method === 'GET' || method === 'HEAD'
      ? {}
      : {
          requestBody: {
            required: false,
            content: { 'application/json': { schema: {} }, '*/*': { schema: {} } },
          },
        }),
    responses: {
      200: { description: "The flow's output, or the answer it set" },
      202: { description: 'Started (async): `{ execution_id, flow_execution_id }`' },
      default: { description: 'An error as JSON (see the description)' },
    },
  });
  const methods = ['get', 'head', 'post', 'put', 'patch', 'delete'];
  const call = Object.fromEntries(methods.map((method) => [method, operation(method.toUpperCase())]));
  return { '/webhook/{name}/call': call, '/webhook/{name}/call/{path}': call };
}
