import { z } from 'zod';
import { findNodeType } from '@/engine/nodes';

/**
 * The inspector's form of a node type, read from its params schema (z.toJSONSchema): each field's
 * label and help are its `.meta({ title, description })`, its control follows its JSON Schema type.
 */
export type FieldKind =
  | 'text'
  | 'code'
  | 'expression'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'enum-list'
  | 'group'
  | 'key-value'
  | 'json';

export type Field = {
  name: string;
  title: string;
  description?: string;
  required: boolean;
  kind: FieldKind;
  /** A string field where `{{ expression }}` is allowed. */
  templated: boolean;
  options?: string[];
  minimum?: number;
  maximum?: number;
  /** A group's fields (retries). */
  fields?: Field[];
};

type JsonSchema = {
  type?: string;
  title?: string;
  description?: string;
  format?: string;
  enum?: string[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  minimum?: number;
  maximum?: number;
};

function kindOf(schema: JsonSchema): FieldKind {
  if (schema.enum) return 'enum';
  switch (schema.type) {
    case 'string':
      return schema.format === 'typescript' ? 'code' : schema.format === 'expression' ? 'expression' : 'text';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return schema.items?.enum ? 'enum-list' : 'json';
    case 'object':
      return schema.properties ? 'group' : 'key-value';
    default:
      return 'json';
  }
}

function fieldsOfSchema(
  schema: JsonSchema,
  plain: 'all' | readonly string[] | undefined,
  top: boolean,
): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const kind = kindOf(property);
    const isPlain = plain === 'all' || (top && plain?.includes(name)) === true;
    return {
      name,
      title: property.title ?? name,
      description: property.description,
      required: required.has(name),
      kind,
      templated: !isPlain && (kind === 'text' || kind === 'key-value'),
      options: property.enum ?? property.items?.enum,
      minimum: property.minimum,
      maximum: property.maximum,
      fields: kind === 'group' ? fieldsOfSchema(property, 'all', false) : undefined,
    };
  });
}

const cache = new Map<string, Field[]>();

export function fieldsOf(type: string): Field[] {
  const cached = cache.get(type);
  if (cached) return cached;
  const definition = findNodeType(type);
  if (!definition) return [];
  const schema = z.toJSONSchema(definition.params, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  const fields = fieldsOfSchema(schema, definition.plainParams, true);
  cache.set(type, fields);
  return fields;
}
