import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { defaultSignInLimits, signIn, type SignInLimits } from '../../engine/auth/sign-in';
import { getDb } from '../db';

const holder = globalThis as typeof globalThis & { flowlineSignInLimits?: SignInLimits };
const limits = (holder.flowlineSignInLimits ??= defaultSignInLimits());

const credentialsSchema = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

type HeaderBag = Record<string, string | string[] | undefined> | undefined;

/**
 * The client's address, as the last hop before our server saw it. Flowline's own server puts the
 * socket address in x-forwarded-for when the client sent none; behind a proxy, the proxy's entry
 * is the last one.
 */
function clientAddress(headers: HeaderBag): string | null {
  const forwarded = headers?.['x-forwarded-for'];
  const value = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  const last = value?.split(',').pop()?.trim();
  return last || null;
}

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: '/signin', error: '/signin' },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: {
        email: { label: 'Email', type: 'email' },
        password: { label: 'Password', type: 'password' },
      },
      async authorize(credentials, req) {
        const parsed = credentialsSchema.safeParse(credentials);
        if (!parsed.success) throw new Error('Enter your email and password.');
        const result = await signIn(getDb(), limits, {
          email: parsed.data.email,
          password: parsed.data.password,
          clientAddress: clientAddress(req.headers as HeaderBag),
        });
        // NextAuth hands a thrown message to the sign-in form as `error`.
        if (!result.ok) throw new Error(result.message);
        return { id: result.user.id, email: result.user.email, name: result.user.name };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.signedInAt = Date.now();
      }
      return token;
    },
    session({ session, token }) {
      if (session.user && token.sub) {
        session.user.id = token.sub;
        session.user.signedInAt = token.signedInAt;
      }
      return session;
    },
  },
  logger: {
    // NextAuth's own logs may carry request data; keep only the error codes.
    error: (code) => console.error(`[flowline] auth error: ${code}`),
    warn: () => {},
    debug: () => {},
  },
};
