import { describe, expect, it } from 'vitest';
import { restEndpoints } from '@/server/rest/endpoints/index';
import { buildOpenApiDocument } from '@/server/rest/openapi';
import { constraints, typeLabel, type JsonSchema } from './SchemaView';

describe('the REST API page reads JSON Schema', () => {
  it('labels types as people read them', () => {
    expect(typeLabel({ type: 'string', format: 'uuid' })).toBe('string (uuid)');
    expect(typeLabel({ anyOf: [{ type: 'integer' }, { type: 'null' }] })).toBe('integer | null');
    expect(typeLabel({ type: 'string', enum: ['GET', 'POST'] })).toBe('"GET" | "POST"');
    expect(typeLabel({ type: 'array', items: { type: 'object', properties: {} } })).toBe('array of object');
    expect(typeLabel({ type: 'object', additionalProperties: {} })).toBe('object (any keys)');
    expect(typeLabel({})).toBe('any JSON value');
  });

  it("states constraints, leaving out zod's safe-integer bounds", () => {
    expect(constraints({ type: 'string', minLength: 1, maxLength: 128 })).toEqual([
      'at least 1 character',
      'at most 128 characters',
    ]);
    expect(
      constraints({ type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991, default: 50 }),
    ).toEqual(['default 50']);
  });

  it('can label every schema of the real OpenAPI document', () => {
    const document = buildOpenApiDocument(restEndpoints, 'http://localhost/api/latest');
    const labels: string[] = [];
    const visit = (schema: JsonSchema) => {
      labels.push(typeLabel(schema));
      Object.values(schema.properties ?? {}).forEach(visit);
      if (schema.items) visit(schema.items);
      (schema.anyOf ?? []).forEach(visit);
    };
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods) as Array<{
        requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
      }>) {
        if (operation.requestBody) visit(operation.requestBody.content['application/json'].schema);
      }
    }
    expect(labels.length).toBeGreaterThan(10);
    expect(labels.every((label) => label.length > 0 && !label.includes('undefined'))).toBe(true);
    expect(labels).toContain('any JSON value'); // input_value
  });
});
