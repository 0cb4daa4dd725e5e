import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../engine/config';

const webEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  NEXTAUTH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  NEXTAUTH_URL: z.url('must be an absolute URL such as http://localhost:3000').optional(),
});

export type WebConfig = { port: number; nextAuthSecret: string; nextAuthUrl: string };

/**
 * The web server's settings. NEXTAUTH_SECRET, when unset, is generated once and kept in the data
 * folder, so the default set-up needs no configuration and sessions survive restarts.
 */
export function readWebConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): WebConfig {
  const parsed = parseEnv(webEnvSchema, env);
  return {
    port: parsed.PORT,
    nextAuthSecret: parsed.NEXTAUTH_SECRET ?? readOrCreateKeyFile(path.join(dataDir, 'nextauth-secret')),
    nextAuthUrl: parsed.NEXTAUTH_URL ?? `http://localhost:${parsed.PORT}`,
  };
}

export function readOrCreateKeyFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = crypto.randomBytes(32).toString('hex');
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return fs.readFileSync(file, 'utf8').trim(); // created meanwhile by another process
    }
  }
}
