import { z } from 'zod';
import type { ConnectorDefinition } from './types';

/**
 * The connection form, derived from a connector's zod input schema (through its JSON Schema, zod's
 * public introspection): one field per input, each of a kind the browser has a renderer for. Plain data,
 * so the browser gets the form without bundling zod schemas, pg or undici.
 */
export type ConnectorFieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'secret' | 'json';

export type ConnectorField = {
  name: string;
  kind: ConnectorFieldKind;
  description: string | null;
  /** Filled in when the field is left empty: shown as the input's placeholder. */
  default: unknown;
  /** For kind `enum`. */
  options: string[];
  minimum: number | null;
  maximum: number | null;
};

export type ConnectorForm = {
  type: string;
  title: string;
  description: string;
  fields: ConnectorField[];
};

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  properties?: Record<string, JsonSchema>;
};

export function describeConnectorForm(definition: ConnectorDefinition): ConnectorForm {
  const schema = z.toJSONSchema(definition.inputSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]): ConnectorField => {
    return {
      name,
      kind: definition.secretFields.includes(name) ? 'secret' : fieldKind(property),
      description: property.description ?? null,
      default: property.default ?? null,
      options: Array.isArray(property.enum) ? property.enum.map(String) : [],
      minimum: property.minimum ?? property.exclusiveMinimum ?? null,
      maximum: property.maximum ?? null,
    };
  });
  return { type: definition.type, title: definition.title, description: definition.description, fields };
}

function fieldKind(property: JsonSchema): ConnectorFieldKind {
  if (Array.isArray(property.enum) && property.enum.every((value) => typeof value === 'string'))
    return 'enum';
  switch (property.type) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      return 'json';
  }
}
