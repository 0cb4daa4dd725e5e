const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a request authenticated by the session cookie may come from another site's page, or null when the
 * browser says it comes from the app itself. A cookie is sent with every request to our host, whatever
 * page made it (SameSite=Lax ignores the port, so a page on another port of the same host counts as the
 * same site), so the cookie alone proves nothing; the browser's own headers do, as no page can set them:
 *
 * - `Sec-Fetch-Site: same-origin` (every current browser sends it), or
 * - `Origin` equal to our own origin: the Host the request was sent to, or the configured public URL
 *   (NEXTAUTH_URL, for a reverse proxy that rewrites Host).
 *
 * A request that changes something must carry that proof. A read (GET, HEAD) without either header is
 * let through, as old clients and typed-in URLs send none and another site cannot read the answer; a
 * read the browser marks as cross-site is refused all the same.
 */
export function crossSiteProblem(request: Request): string | null {
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite === 'same-origin') return null;
  const origin = request.headers.get('origin');
  if (origin !== null) {
    return isOwnOrigin(origin, request)
      ? null
      : `Refused: this request carries the session cookie but comes from ${origin}, not from Flowline itself. ` +
          'Scripts should send an API token as `Authorization: Bearer <token>`.';
  }
  if (fetchSite === 'same-site' || fetchSite === 'cross-site') {
    return 'Refused: this request carries the session cookie but comes from another site.';
  }
  if (SAFE_METHODS.has(request.method)) return null;
  return (
    'Refused: a request with the session cookie that changes something must carry an `Origin` header ' +
    'naming Flowline (browsers send it). Scripts should send an API token as `Authorization: Bearer <token>`.'
  );
}

function isOwnOrigin(origin: string, request: Request): boolean {
  const sent = originOf(origin);
  if (sent === null) return false; // `Origin: null` (a sandboxed frame, a redirect) or garbage
  const configured = process.env.NEXTAUTH_URL;
  if (configured && originOf(configured) === sent) return true;
  // The Host header is the browser's too: the host the page addressed. The scheme cannot differ on one
  // host and port, so the Origin's own is taken.
  const host = request.headers.get('host');
  return host !== null && originOf(`${new URL(sent).protocol}//${host}`) === sent;
}

/** The origin of an http(s) URL as the URL standard normalizes it (default port dropped), or null. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}
