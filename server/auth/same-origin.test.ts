import { afterEach, describe, expect, it } from 'vitest';
import { crossSiteProblem } from './same-origin';

function request(method: string, headers: Record<string, string>): Request {
  return new Request('http://internal:3000/api/latest/flow', {
    method,
    headers: { host: 'flowline.test:3000', ...headers },
  });
}

describe('crossSiteProblem', () => {
  const configured = process.env.NEXTAUTH_URL;
  afterEach(() => {
    process.env.NEXTAUTH_URL = configured;
  });

  it('accepts what the browser marks as the app itself', () => {
    expect(crossSiteProblem(request('POST', { 'sec-fetch-site': 'same-origin' }))).toBeNull();
    expect(crossSiteProblem(request('POST', { origin: 'http://flowline.test:3000' }))).toBeNull();
    expect(
      crossSiteProblem(
        request('DELETE', { origin: 'http://flowline.test:3000', 'sec-fetch-site': 'same-origin' }),
      ),
    ).toBeNull();
    // A read that carries no proof either way: a typed-in URL, an old client.
    expect(crossSiteProblem(request('GET', {}))).toBeNull();
    expect(crossSiteProblem(request('GET', { 'sec-fetch-site': 'none' }))).toBeNull();
  });

  it('accepts the configured public URL behind a proxy that rewrites Host', () => {
    process.env.NEXTAUTH_URL = 'https://flows.example.com';
    expect(crossSiteProblem(request('POST', { origin: 'https://flows.example.com' }))).toBeNull();
    expect(crossSiteProblem(request('POST', { origin: 'https://flows.example.com:8443' }))).not.toBeNull();
  });

  it('refuses another port of the same host, another host, `null` and garbage origins', () => {
    for (const origin of [
      'http://flowline.test:3001',
      'http://flowline.test',
      'https://evil.test',
      'null',
      '::',
    ]) {
      expect(crossSiteProblem(request('POST', { origin })), origin).toMatch(/^Refused/);
    }
  });

  it('refuses a change without proof, and anything the browser marks as another site', () => {
    expect(crossSiteProblem(request('POST', {}))).toMatch(/must carry an `Origin` header/);
    expect(crossSiteProblem(request('PATCH', { 'sec-fetch-site': 'none' }))).not.toBeNull();
    expect(crossSiteProblem(request('GET', { 'sec-fetch-site': 'same-site' }))).toMatch(/another site/);
    expect(crossSiteProblem(request('GET', { 'sec-fetch-site': 'cross-site' }))).not.toBeNull();
    expect(crossSiteProblem(request('GET', { origin: 'http://flowline.test:3001' }))).not.toBeNull();
  });
});
