'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import type { AppRouter } from '@/server/routers/_app';
import { TRPCProvider } from './trpc';

function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.httpStatus === 401;
}

/** A session that ended (expired, signed out elsewhere) sends the user back to sign in. */
function redirectIfUnauthorized(error: unknown) {
  if (!isUnauthorized(error)) return;
  // A full page load, not a client navigation: the signed-out state must drop every cached query.
  const signIn = new URL('/signin', window.location.origin);
  signIn.searchParams.set('callbackUrl', window.location.pathname);
  window.location.assign(signIn.href);
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError: redirectIfUnauthorized }),
        mutationCache: new MutationCache({ onError: redirectIfUnauthorized }),
        defaultOptions: {
          queries: { staleTime: 5_000, retry: (failures, error) => !isUnauthorized(error) && failures < 2 },
        },
      }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        // Live views (docs/live.md): one server-sent event stream per subscription, the session cookie
        // sent as on every same-origin request; everything else batched as before.
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc', transformer: superjson }),
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
