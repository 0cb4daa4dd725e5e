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

/** A titled group of the form's fields, by name; `advanced` groups start folded. */
export type ConnectorFormSection = { title: string; advanced: boolean; fields: string[] };

export type ConnectorForm = {
  type: string;
  title: string;
  description: string;
  /** What a stored connection holds, in the order of the sections. */
  fields: ConnectorField[];
  sections: ConnectorFormSection[];
  /** Inputs each call gives and no connection stores (SQLPG's query): named on the form, not asked. */
  callFields: string[];
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
  const properties = schema.properties ?? {};
  const callFields = definition.callFields ?? [];
  const stored = Object.keys(properties).filter((name) => !callFields.includes(name));
  const sections = definition.formGroups.map((group) => ({
    title: group.title,
    advanced: group.advanced ?? false,
    fields: [...group.fields],
  }));
  checkSections(definition.type, stored, sections);
  const fields = sections.flatMap((section) =>
    section.fields.map((name) => describeField(definition, name, properties[name]!)),
  );
  return {
    type: definition.type,
    title: definition.title,
    description: definition.description,
    fields,
    sections,
    callFields: [...callFields],
  };
}

function describeField(definition: ConnectorDefinition, name: string, property: JsonSchema): ConnectorField {
  return {
    name,
    kind: definition.secretFields.includes(name) ? 'secret' : fieldKind(property),
    description: property.description ?? null,
    default: property.default ?? null,
    options: Array.isArray(property.enum) ? property.enum.map(String) : [],
    minimum: property.minimum ?? property.exclusiveMinimum ?? null,
    maximum: property.maximum ?? null,
  };
}

/** A connector's form groups must hold each stored field once, and nothing else (a definition's mistake). */
function checkSections(type: string, stored: readonly string[], sections: readonly ConnectorFormSection[]) {
  const grouped = sections.flatMap((section) => section.fields);
  const missing = stored.filter((name) => !grouped.includes(name));
  const unknown = grouped.filter((name) => !stored.includes(name));
  const twice = grouped.filter((name, at) => grouped.indexOf(name) !== at);
  if (missing.length > 0 || unknown.length > 0 || twice.length > 0) {
    throw new Error(
      `connector ${type}: formGroups must hold each stored field once ` +
        `(missing: ${missing.join(', ') || '-'}; unknown or per call: ${unknown.join(', ') || '-'}; ` +
        `twice: ${twice.join(', ') || '-'})`,
    );
  }
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
