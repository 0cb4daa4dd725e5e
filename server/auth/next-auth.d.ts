import 'next-auth';

declare module 'next-auth' {
  interface Session {
    user?: {
      id: string;
      name?: string | null;
      email?: string | null;
      image?: string | null;
      /** When this session signed in (ms since 1970): sessions ended since then no longer work. */
      signedInAt?: number;
    };
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    /** Set once at sign-in and kept as the token is renewed (unlike `iat`). */
    signedInAt?: number;
  }
}
