import { router } from '../trpc';
import { apiTokensRouter } from './api-tokens';
import { connectionsRouter } from './connections';
import { executionsRouter } from './executions';
import { flowsRouter } from './flows';
import { triggersRouter } from './triggers';

export const appRouter = router({
  flows: flowsRouter,
  apiTokens: apiTokensRouter,
  connections: connectionsRouter,
  executions: executionsRouter,
  triggers: triggersRouter,
});

export type AppRouter = typeof appRouter;
