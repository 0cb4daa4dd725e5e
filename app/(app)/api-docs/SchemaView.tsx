import type { ReactNode } from 'react';
import styles from './api-docs.module.css';

/** The parts of JSON Schema that zod's toJSONSchema produces for this API. */
export type JsonSchema = {
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
};

/** Descriptions mark names with backticks, as in Markdown: those parts are shown as code. */
export function Prose({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <>
      {text
        .split(/`([^`]+)`/)
        .map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}
    </>
  );
}

// zod states the safe-integer range on every integer: true, but noise to a reader.
const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

function isObjectSchema(schema: JsonSchema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}

/** The member of a union that has fields to show below it (e.g. `object | null`). */
function nestedObject(schema: JsonSchema): JsonSchema | undefined {
  if (isObjectSchema(schema)) return schema;
  if (schema.type === 'array' && schema.items) return nestedObject(schema.items);
  for (const member of schema.anyOf ?? schema.oneOf ?? []) {
    const found = nestedObject(member);
    if (found) return found;
  }
  return undefined;
}

/** A short type as people read it: `string (uuid) | null`, `array of object`, `"GET" | "POST"`. */
export function typeLabel(schema: JsonSchema): string {
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map(typeLabel).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') return `array of ${schema.items ? typeLabel(schema.items) : 'any'}`;
  if (type === 'object' && !schema.properties) return 'object (any keys)';
  if (!type) return 'any JSON value';
  return schema.format ? `${type} (${schema.format})` : type;
}

export function constraints(schema: JsonSchema): string[] {
  const notes: string[] = [];
  const characters = (n: number) => `${n} character${n === 1 ? '' : 's'}`;
  if (schema.minLength !== undefined) notes.push(`at least ${characters(schema.minLength)}`);
  if (schema.maxLength !== undefined) notes.push(`at most ${characters(schema.maxLength)}`);
  if (schema.minimum !== undefined && schema.minimum > -SAFE_INTEGER) notes.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < SAFE_INTEGER) notes.push(`≤ ${schema.maximum}`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes;
}

export function FieldRows({ schema, depth = 0 }: { schema: JsonSchema; depth?: number }) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const nested = nestedObject(property);
        const notes = constraints(property);
        return (
          <FieldRow
            key={`${depth}:${name}`}
            name={name}
            depth={depth}
            type={typeLabel(property)}
            required={required.has(name)}
            description={property.description}
            notes={notes}
          >
            {nested && depth < 4 && <FieldRows schema={nested} depth={depth + 1} />}
          </FieldRow>
        );
      })}
    </>
  );
}

function FieldRow({
  name,
  depth,
  type,
  required,
  description,
  notes,
  children,
}: {
  name: string;
  depth: number;
  type: string;
  required: boolean;
  description?: string;
  notes: string[];
  children?: ReactNode;
}) {
  return (
    <>
      <tr>
        <td className={styles.fieldName} style={{ paddingLeft: `${16 + depth * 18}px` }}>
          {depth > 0 && <span className={styles.nestMark}>└ </span>}
          <code>{name}</code>
          {required && <span className={styles.required}>required</span>}
        </td>
        <td className={styles.fieldType}>
          <code>{type}</code>
        </td>
        <td className={styles.fieldText}>
          <Prose text={description} />
          {notes.length > 0 && <span className={styles.notes}>{notes.join(' · ')}</span>}
        </td>
      </tr>
      {children}
    </>
  );
}

/** A schema as a table of its fields, or as one line when it has none. */
export function SchemaView({ schema }: { schema: JsonSchema }) {
  const object = nestedObject(schema);
  if (!object) {
    return (
      <p className={styles.scalar}>
        <code>{typeLabel(schema)}</code>
        {schema.description && (
          <span>
            {' '}
            — <Prose text={schema.description} />
          </span>
        )}
      </p>
    );
  }
  return (
    <>
      {schema !== object && (
        <p className={styles.scalar}>
          <code>{typeLabel(schema)}</code>
        </p>
      )}
      <table className={styles.fields}>
        <tbody>
          <FieldRows schema={object} />
        </tbody>
      </table>
    </>
  );
}
