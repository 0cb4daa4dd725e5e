import type { TestProject } from 'vitest/node';
import { readEngineConfig } from '../engine/config';
import { resolveDatabase } from '../engine/postgres/resolve';
import { createTemplateDatabase, dropDatabase } from '../engine/store/test-databases';
import path from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl: string;
  }
}

/** Migrates one template database per test run; each test file clones it (see test/database.ts). */
export default async function setup(project: TestProject) {
  const config = readEngineConfig();
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'test'),
  });
  const templateUrl = await createTemplateDatabase(database.url);
  project.provide('templateDatabaseUrl', templateUrl);
  return async () => {
    await dropDatabase(templateUrl, new URL(templateUrl).pathname.slice(1));
    await database.stop();
  };
}
