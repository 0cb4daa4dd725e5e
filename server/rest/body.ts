import { ApiError } from './errors';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body of at most 1 MiB. An empty body reads as undefined; anything else must be JSON.
 * The limit is checked on the declared length first and then on the bytes actually received.
 *
 * `requireJsonType`: the body must be declared `application/json`. Asked for requests authenticated by
 * the session cookie: a page of another site can send a form or a `text/plain` body with the user's
 * cookie, but not a JSON one without the browser asking us first (CORS), which we never allow. Scripts
 * with a token may send what curl sends by default.
 */
export async function readJsonBody(
  request: Request,
  options: { requireJsonType: boolean },
): Promise<unknown> {
  if (options.requireJsonType && !isJsonType(request.headers.get('content-type'))) {
    throw new ApiError(
      403,
      'json_required',
      'A request with the session cookie must send its body as `content-type: application/json`',
      'header.content-type',
    );
  }
  const text = (await readBodyBytes(request)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unparseable';
    throw new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${detail}`);
  }
}

/** The request's bytes, at most 1 MiB: checked on the declared length first, then on the bytes received. */
export async function readBodyBytes(request: Request): Promise<Buffer> {
  if (Number(request.headers.get('content-length') ?? '0') > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /^application\/json\s*(?:;|$)/i.test(contentType.trim());
}

function tooLarge(): ApiError {
  return new ApiError(413, 'body_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes (1 MiB)`);
}
