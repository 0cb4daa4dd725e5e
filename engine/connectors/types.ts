import type { z } from 'zod';
import type { DestinationPolicy } from './destinations';

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
 * Fields the connection form shows together under a title; `advanced` groups start folded. (Field
 * names as strings: typed by the schema, they would make every definition's type its own; the form's
 * description checks them, see describeConnectorForm.)
 */
export type ConnectorFormGroup = { title: string; advanced?: boolean; fields: readonly string[] };

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
  /**
   * Fields only a call gives (SQLPG's query and its params): part of a call's input, never of a stored
   * connection, so neither its form nor its stored config has them.
   */
  callFields?: readonly string[];
  /** The connection form's groups, in order: every field but the call fields is in exactly one. */
  formGroups: readonly ConnectorFormGroup[];
  /**
   * Record fields (`headers`, `params`) whose entries are secrets when their name says so
   * (`Authorization`, `X-Api-Key`, `api_key`: see isCredentialName in config.ts).
   */
  secretEntryFields?: readonly string[];
  /**
   * Moves secrets out of fields that are not secret into fields that are (REST: a url's user info into
   * username / password, its credential query parameters into params), before validation.
   */
  normalizeConfig?(config: Record<string, unknown>): Record<string, unknown>;
  /** The forms a secret takes on the wire (REST: the base64 of basic auth), scrubbed from messages too. */
  secretForms?(input: z.infer<Schema>): string[];
  /**
   * A call to a stored connection must not send its credentials elsewhere: throws InvalidInputError when
   * the merged `input` goes to another destination than the `stored` config (both parsed, defaults filled).
   */
  keepDestination?(stored: z.infer<Schema>, input: z.infer<Schema>, connection: string): void;
  checkInput?(input: z.infer<Schema>): void;
  run(input: z.infer<Schema>, context: ConnectorContext): Promise<unknown>;
  /** Optional cheap check for the UI's "Test connection" button. */
  test?(input: z.infer<Schema>, context: ConnectorContext): Promise<void>;
};

export type ConnectorContext = {
  signal: AbortSignal;
  log(message: string, data?: unknown): void;
  /** Where the connector may connect: check every host (and redirect) with checkDestination. */
  destinations: DestinationPolicy;
};
