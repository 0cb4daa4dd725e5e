import { router } from '../trpc';
import { accountRouter } from './account';
import { apiTokensRouter } from './api-tokens';
import { connectionsRouter } from './connections';
import { executionsRouter } from './executions';
import { flowsRouter } from './flows';
import { triggersRouter } from './triggers';
import { usersRouter } from './users';

export const appRouter = router({
  flows: flowsRouter,
  apiTokens: apiTokensRouter,
  connections: connectionsRouter,
  executions: executionsRouter,
  triggers: triggersRouter,
  account: accountRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
