import path from 'node:path';
import { z } from 'zod';

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
  WORKER_MAX_RUNNERS: z.coerce.number().int().min(2).max(10_000).optional(),
  FLOWLINE_MAX_TREE_DEPTH: z.coerce.number().int().min(1).max(1000).default(32),
  FLOWLINE_RUN_CPU_SECONDS: z.coerce.number().positive().max(86_400).default(60),
  FLOWLINE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (a 256-bit key)')
    .optional(),
});

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
  };
}
