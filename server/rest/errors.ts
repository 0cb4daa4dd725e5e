/** The REST API's error answer: `{ "error": { "code", "message", "path", "issues" } }` with a matching HTTP status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500,
    readonly code: string,
    message: string,
    readonly path?: string,
    /** Every finding, where there are several (an invalid graph, a request wrong in many places). */
    readonly issues?: readonly unknown[],
  ) {
    super(message);
  }
}

export function errorResponse(error: ApiError): Response {
  return Response.json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.path ? { path: error.path } : {}),
        ...(error.issues ? { issues: error.issues } : {}),
      },
    },
    { status: error.status },
  );
}
