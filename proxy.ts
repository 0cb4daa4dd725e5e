import { getToken } from 'next-auth/jwt';
import { NextResponse, type NextRequest } from 'next/server';

/** Reachable without a session. Route handlers and procedures check again on their own. */
function isPublic(pathname: string): boolean {
  return (
    pathname === '/signin' ||
    pathname.startsWith('/api/auth/') ||
    pathname === '/api/health' ||
    pathname.startsWith('/api/latest/webhook/') ||
    pathname.startsWith('/_next/') ||
    pathname === '/favicon.ico' ||
    /^\/[^/]+\.(?:png|svg|ico|jpg|jpeg|webp|txt)$/.test(pathname) // files in public/
  );
}

/** The REST API authenticates by API token; its handlers verify the token (authenticateBearer). */
function carriesBearerToken(request: NextRequest): boolean {
  return (
    request.nextUrl.pathname.startsWith('/api/latest/') &&
    /^Bearer\s+\S/i.test(request.headers.get('authorization') ?? '')
  );
}

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (isPublic(pathname) || carriesBearerToken(request)) return NextResponse.next();

  const session = await getToken({ req: request });
  if (session?.sub) return NextResponse.next();

  if (pathname.startsWith('/api/')) {
    return NextResponse.json(
      {
        error: {
          code: 'UNAUTHORIZED',
          message: 'Sign in, or send an API token as `Authorization: Bearer <token>`.',
        },
      },
      { status: 401 },
    );
  }
  const signIn = new URL('/signin', request.url);
  if (pathname !== '/') signIn.searchParams.set('callbackUrl', pathname + search);
  return NextResponse.redirect(signIn);
}

export const config = {
  matcher: ['/((?!_next/static|_next/image).*)'],
};
