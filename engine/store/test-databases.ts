import crypto from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from './db';
import { migrateToLatest } from './migrate';

/** Same server, another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database, migrates it, and closes every connection so it can serve as a template. */
export async function createTemplateDatabase(serverUrl: string): Promise<string> {
  const name = `flowline_tpl_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = withDatabase(serverUrl, name);
  const db = createDb(url, { max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return url;
}

/** A fresh database cloned from the template: cheap (a file copy), isolated, dropped afterwards. */
export async function cloneDatabase(templateUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `flowline_t_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(templateUrl, `create database ${name} template ${template}`);
  const url = withDatabase(templateUrl, name);
  return { url, drop: () => dropDatabase(templateUrl, name) };
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await adminQuery(withDatabase(serverUrl, 'postgres'), `drop database if exists ${name} with (force)`);
}

export type { Db };
