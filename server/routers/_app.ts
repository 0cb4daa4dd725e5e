import { router } from '../trpc';
import { apiTokensRouter } from './api-tokens';
import { connectionsRouter } from './connections';
import { flowsRouter } from './flows';

export const appRouter = router({
  flows: flowsRouter,
  apiTokens: apiTokensRouter,
  connections: connectionsRouter,
});

export type AppRouter = typeof appRouter;
