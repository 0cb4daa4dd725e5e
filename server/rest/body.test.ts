import { describe, expect, it } from 'vitest';
import { readJsonBody } from './body';

const post = (contentType: string | null, body = '{"a":1}') =>
  new Request('http://localhost/api/latest/flow', {
    method: 'POST',
    headers: contentType === null ? {} : { 'content-type': contentType },
    body,
  });

describe('readJsonBody', () => {
  it('asked to, refuses a body not declared JSON: what a form or a no-cors fetch of another site sends', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      await expect(readJsonBody(post(type), { requireJsonType: true })).rejects.toMatchObject({
        status: 403,
        code: 'json_required',
        path: 'header.content-type',
      });
    }
    // undici gives a string body `text/plain` unless told otherwise
    await expect(readJsonBody(post(null), { requireJsonType: true })).rejects.toMatchObject({ status: 403 });
    expect(await readJsonBody(post('application/json; charset=utf-8'), { requireJsonType: true })).toEqual({
      a: 1,
    });
  });

  it('reads a token caller’s body whatever it declares', async () => {
    expect(await readJsonBody(post('text/plain'), { requireJsonType: false })).toEqual({ a: 1 });
  });
});
