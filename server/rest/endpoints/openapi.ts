import { z } from 'zod';
import { defineEndpoint } from '../endpoint';
import { buildOpenApiDocument } from '../openapi';
import { restEndpoints } from './index';

export const openApiEndpoint = defineEndpoint({
  method: 'GET',
  path: '/openapi.json',
  tag: 'Meta',
  summary: 'This API, as an OpenAPI 3.1 document',
  responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
  async handler({ request }) {
    const origin = new URL(request.url).origin;
    return { status: 200, body: buildOpenApiDocument(restEndpoints, `${origin}/api/latest`) };
  },
});
