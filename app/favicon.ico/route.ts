/**
 * Browsers and tools that ignore the page's <link rel="icon"> still ask for /favicon.ico: send them to
 * the app's one icon (app/icon.svg) instead of a 404.
 */
export function GET(request: Request): Response {
  return Response.redirect(new URL('/icon.svg', request.url), 308);
}
