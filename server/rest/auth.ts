import { authenticateBearer } from '../auth/bearer';
import { crossSiteProblem } from '../auth/same-origin';
import { getSessionUser } from '../auth/session';
import type { Authenticate } from './endpoint';
import { ApiError } from './errors';

/**
 * REST callers are scripts with an API token; a signed-in browser (the app's own API page) may call
 * too with its session cookie, but only from Flowline's own pages (crossSiteProblem): a cookie rides
 * along with any page's request, a token only with its owner's.
 */
export const authenticateApiRequest: Authenticate = async (request) => {
  if (request.headers.has('authorization')) {
    const bearer = await authenticateBearer(request);
    return bearer.ok
      ? { ok: true, principal: { userId: bearer.user.id, email: bearer.user.email, tokenId: bearer.tokenId } }
      : { ok: false, message: bearer.message };
  }
  if (carriesSessionCookie(request)) {
    const problem = crossSiteProblem(request);
    if (problem) throw new ApiError(403, 'cross_site_request', problem, 'header.origin');
    const user = await getSessionUser();
    if (user?.must_change_password)
      throw new ApiError(
        403,
        'password_change_required',
        'Choose your own password first (Settings).',
        'header.cookie',
      );
    if (user) return { ok: true, principal: { userId: user.id, email: user.email } };
  }
  return {
    ok: false,
    message:
      'Send an API token as `Authorization: Bearer <token>` (create one under Settings -> API tokens).',
  };
};

/** Only look for a session when the request carries NextAuth's cookie (plain or `__Secure-` prefixed). */
function carriesSessionCookie(request: Request): boolean {
  return /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token=/.test(request.headers.get('cookie') ?? '');
}
