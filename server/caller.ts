import { appRouter } from './routers/_app';
import { createCallerFactory, createContext } from './trpc';

const createCaller = createCallerFactory(appRouter);

/** The tRPC procedures for a server component: same checks and error mapping as over HTTP. */
export async function getServerCaller() {
  return createCaller(await createContext());
}
