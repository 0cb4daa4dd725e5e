import { createDb, type Db } from '../engine/store/db';

const holder = globalThis as typeof globalThis & { flowlineWebDb?: Db };

/**
 * The web server's database pool, created on first use from DATABASE_URL (set by scripts/lib/serve.ts
 * before Next.js starts). Kept on globalThis so every route bundle shares one pool.
 */
export function getDb(): Db {
  if (!holder.flowlineWebDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set: start Flowline with `npm start`');
    holder.flowlineWebDb = createDb(url);
  }
  return holder.flowlineWebDb;
}
