/**
 * `npm run token:create -- --email <user> --name <name>`: prints a new API token for an existing
 * user, for scripts and CI. The token is printed once and stored only as a hash.
 */
import { parseArgs } from 'node:util';
import { createApiToken } from '../engine/auth/api-tokens';
import { createDb } from '../engine/store/db';
import { findUserByEmail } from '../engine/store/users';
import { bootstrap, runMain } from './lib/bootstrap';

runMain(async () => {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  if (!values.email || !values.name) {
    throw new Error('usage: npm run token:create -- --email <user email> --name <token name>');
  }
  const { database } = await bootstrap();
  const db = createDb(database.url, { max: 1 });
  try {
    const user = await findUserByEmail(db, values.email);
    if (!user) throw new Error(`no user has the email '${values.email}'`);
    const { token } = await createApiToken(db, user.id, values.name);
    console.error(`[flowline] created API token '${values.name}' for ${user.email}; it is shown only now:`);
    console.log(token);
  } finally {
    await db.destroy();
    await database.stop();
  }
});
