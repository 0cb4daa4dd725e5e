import type { z } from 'zod';

/*
 * Changes to the first contract (connectors helper):
 * - inputSchema is a strict zod object (z.strictObject), not any schema: the connection form is derived
 *   from its shape, stored configs are checked field by field, and unknown fields become ExtraInputError.
 * - checkInput (optional): cross-field rules (e.g. "one of fetchval / fetch / execute") run on the merged,
 *   parsed input before run(); they throw MissingInputError / InvalidInputError (engine/connectors/errors.ts).
 *   They are not applied to a stored connection, which may hold only part of a call's input.
 */

/** The shape of a connector's input: a strict object whose fields drive the connection form. */
export type ConnectorInputSchema = z.ZodObject<z.core.$ZodShape, z.core.$strict>;

/**
 * A connector type (REST, SQLPG, ...): defined once, in engine/connectors/<type>.ts. Its input schema
 * validates a call's merged input (stored connection config with the call's own input over it) and
 * also drives the connection form in the UI; `secretFields` are encrypted at rest and never shown.
 */
export type ConnectorDefinition<Schema extends ConnectorInputSchema = ConnectorInputSchema> = {
  type: string;
  title: string;
  description: string;
  inputSchema: Schema;
  /** Top-level fields of the input schema that hold secrets. */
  secretFields: readonly string[];
  checkInput?(input: z.infer<Schema>): void;
  run(input: z.infer<Schema>, context: ConnectorContext): Promise<unknown>;
  /** Optional cheap check for the UI's "Test connection" button. */
  test?(input: z.infer<Schema>, context: ConnectorContext): Promise<void>;
};

export type ConnectorContext = {
  signal: AbortSignal;
  log(message: string, data?: unknown): void;
};
