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

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The size limits that keep one execution from filling the database (docs/engine.md, "Limits"). The
 * bounds keep every value below what PostgreSQL can store in one row (jsonb holds at most 255 MiB).
 */
const limitsEnvSchema = z.object({
  FLOWLINE_MAX_LOG_LINES: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  FLOWLINE_MAX_LOG_LINE_BYTES: z.coerce
    .number()
    .int()
    .min(KiB)
    .max(16 * MiB)
    .default(64 * KiB),
  FLOWLINE_MAX_OUTPUT_BYTES: z.coerce
    .number()
    .int()
    .min(KiB)
    .max(100 * MiB)
    .default(MiB),
  FLOWLINE_MAX_INPUT_BYTES: z.coerce
    .number()
    .int()
    .min(KiB)
    .max(100 * MiB)
    .default(MiB),
});

const engineEnvSchema = limitsEnvSchema.extend({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  FLOWLINE_DATA_DIR: z.string().min(1).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(10),
  WORKER_MAX_RUNNERS: z.coerce.number().int().min(2).max(10_000).optional(),
  FLOWLINE_MAX_TREE_DEPTH: z.coerce.number().int().min(1).max(1000).default(32),
  FLOWLINE_RUN_CPU_SECONDS: z.coerce.number().positive().max(86_400).default(60),
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

export type Limits = {
  /** Log lines stored per execution; later ones are dropped (and counted). */
  maxLogLines: number;
  /** Bytes (UTF-8) of one log line; a longer one is cut. */
  maxLogLineBytes: number;
  /** Bytes of an execution's output, message or error as JSON; more ends it ENDED_ERROR. */
  maxOutputBytes: number;
  /** Bytes of an execution's input as JSON; more is refused at start. */
  maxInputBytes: number;
};

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
  /** Runner processes a worker holds at most (its runs and their synchronous children); see Worker. */
  workerMaxRunners: number | undefined;
  /** Levels an execution tree may have below its root. */
  maxTreeDepth: number;
  /** CPU time one run of an execution may use, in seconds. */
  runCpuSeconds: number;
  secretKey: string | undefined;
  limits: Limits;
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
    workerMaxRunners: parsed.WORKER_MAX_RUNNERS,
    maxTreeDepth: parsed.FLOWLINE_MAX_TREE_DEPTH,
    runCpuSeconds: parsed.FLOWLINE_RUN_CPU_SECONDS,
    secretKey: parsed.FLOWLINE_SECRET_KEY,
    limits: limitsOf(parsed),
    connectDeny: parsed.FLOWLINE_CONNECT_DENY,
    connectAllow: parsed.FLOWLINE_CONNECT_ALLOW,
  };
}

function limitsOf(parsed: z.infer<typeof limitsEnvSchema>): Limits {
  return {
    maxLogLines: parsed.FLOWLINE_MAX_LOG_LINES,
    maxLogLineBytes: parsed.FLOWLINE_MAX_LOG_LINE_BYTES,
    maxOutputBytes: parsed.FLOWLINE_MAX_OUTPUT_BYTES,
    maxInputBytes: parsed.FLOWLINE_MAX_INPUT_BYTES,
  };
}

let processLimits: Limits | undefined;

/**
 * This process's limits, read from its environment once. Read where they apply (every start, every
 * worker), not handed down from the entry point: the web server's routes, its worker, `npm run worker`
 * and the test workers all start executions, and each reads the same variables. A bad value stops
 * Flowline at start, since readEngineConfig checks the same variables.
 */
export function engineLimits(): Limits {
  processLimits ??= limitsOf(parseEnv(limitsEnvSchema, process.env));
  return processLimits;
}
