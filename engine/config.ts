import path from 'node:path';
import { z } from 'zod';
import {
  DENIABLE_RANGES,
  parseAllowList,
  type AllowEntry,
  type DeniableRange,
} from './connectors/destinations';

/** Thrown when an environment variable is malformed; names the variable and the rule it broke. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const engineEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  FLOWLINE_DATA_DIR: z.string().min(1).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  FLOWLINE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (a 256-bit key)')
    .optional(),
  // Destination policy of connectors (engine/connectors/destinations.ts, docs/connectors.md).
  FLOWLINE_CONNECT_DENY: z
    .string()
    .default('')
    .transform(commaList)
    .pipe(
      z.array(z.enum(DENIABLE_RANGES, `must be a comma-separated list of ${DENIABLE_RANGES.join(', ')}`)),
    ),
  FLOWLINE_CONNECT_ALLOW: z
    .string()
    .default('')
    .transform((text, context) => {
      try {
        return parseAllowList(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export type EngineConfig = {
  databaseUrl: string | undefined;
  dataDir: string;
  workerConcurrency: number;
  secretKey: string | undefined;
  /** Address ranges connectors may not reach (FLOWLINE_CONNECT_DENY). */
  connectDeny: DeniableRange[];
  /** Exceptions: hosts, addresses, CIDR ranges, socket directories (FLOWLINE_CONNECT_ALLOW). */
  connectAllow: AllowEntry[];
};

/** Parses an environment with a zod schema and turns the first problem into a message naming the variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function readEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const parsed = parseEnv(engineEnvSchema, env);
  return {
    databaseUrl: parsed.DATABASE_URL,
    // A data folder chosen at run time, not a file of the app: keep bundlers from tracing the project.
    dataDir: path.resolve(/*turbopackIgnore: true*/ parsed.FLOWLINE_DATA_DIR ?? '.flowline'),
    workerConcurrency: parsed.WORKER_CONCURRENCY,
    secretKey: parsed.FLOWLINE_SECRET_KEY,
    connectDeny: parsed.FLOWLINE_CONNECT_DENY,
    connectAllow: parsed.FLOWLINE_CONNECT_ALLOW,
  };
}
