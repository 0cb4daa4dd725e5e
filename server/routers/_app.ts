import { router } from '../trpc';
import { apiTokensRouter } from './api-tokens';
import { flowsRouter } from './flows';

export const appRouter = router({
  flows: flowsRouter,
  apiTokens: apiTokensRouter,
});

export type AppRouter = typeof appRouter;
