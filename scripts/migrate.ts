import { bootstrap, runMain } from './lib/bootstrap';

runMain(async () => {
  const { database } = await bootstrap();
  console.log('[flowline] migrations are up to date');
  await database.stop();
});
