import { router } from '../trpc';
import { apiTokensRouter } from './api-tokens';
import { connectionsRouter } from './connections';
import { executionsRouter } from './executions';
import { flowsRouter } from './flows';

export const appRouter = router({
  flows: flowsRouter,
  apiTokens: apiTokensRouter,
  connections: connectionsRouter,
  executions: executionsRouter,
});

export type AppRouter = typeof appRouter;
