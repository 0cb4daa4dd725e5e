import path from 'node:path';

/** Where e2e/server.ts writes the URL of the database the browser tests' server runs on. */
export const E2E_DATABASE_FILE = path.resolve(import.meta.dirname, '..', 'test-results', 'e2e-database-url');
