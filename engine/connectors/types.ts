import type { z } from 'zod';

/**
 * A connector type (REST, SQLPG, ...): defined once, in engine/connectors/<type>.ts. Its input schema
 * validates a call's merged input (stored connection config with the call's own input over it) and
 * also drives the connection form in the UI; `secretFields` are encrypted at rest and never shown.
 */
export type ConnectorDefinition<Schema extends z.ZodType = z.ZodType> = {
  type: string;
  title: string;
  description: string;
  inputSchema: Schema;
  secretFields: readonly string[];
  run(input: z.infer<Schema>, context: ConnectorContext): Promise<unknown>;
  /** Optional cheap check for the UI's "Test connection" button. */
  test?(input: z.infer<Schema>, context: ConnectorContext): Promise<void>;
};

export type ConnectorContext = {
  signal: AbortSignal;
  log(message: string, data?: unknown): void;
};
