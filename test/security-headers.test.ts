import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * Security headers on every response: the API's answers, its problems, the console's page and
 * files, the documentation. The console's page carries the style nonce of its own response's
 * Content-Security-Policy (the browser tests check that the console runs under it with nothing
 * refused); HSTS only when the system is reached over https.
 */

const policyOf = (header: string | undefined) =>
  new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );

describe('security headers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('are on every kind of response, with a policy that allows no inline script, no eval and no framing', async () => {
    const index = await t.http().get('/');
    const asset = [...index.text.matchAll(/src="(\/assets\/[^"]+)"/g)][0]![1]!;
    for (const [path, status] of [
      ['/api/me', 401],
      ['/api/incidents/not-a-uuid', 401],
      ['/api/openapi.json', 200],
      ['/health', 200],
      ['/metrics', 200],
      ['/', 200],
      ['/board', 200],
      [asset, 200],
      ['/api/nowhere', 404],
    ] as const) {
      const res = await t.http().get(path);
      expect([path, res.status]).toEqual([path, status]);
      expect([path, res.headers['x-content-type-options']]).toEqual([path, 'nosniff']);
      expect([path, res.headers['x-frame-options']]).toEqual([path, 'DENY']);
      expect([path, res.headers['referrer-policy']]).toEqual([path, 'no-referrer']);
      expect([path, res.headers['cross-origin-opener-policy']]).toEqual([path, 'same-origin']);
      expect([path, res.headers['strict-transport-security']]).toEqual([path, undefined]);
      const policy = policyOf(res.headers['content-security-policy']);
      expect([path, policy.get('frame-ancestors')]).toEqual([path, ["'none'"]]);
      expect([path, policy.get('default-src')]).toEqual([path, ["'self'"]]);
      expect([path, policy.get('script-src')]).toEqual([path, ["'self'"]]);
      expect([path, policy.get('object-src')]).toEqual([path, ["'none'"]]);
      expect([path, policy.get('base-uri')]).toEqual([path, ["'none'"]]);
      const styles = policy.get('style-src')!;
      expect([path, styles[0], styles[1]]).toEqual([path, "'self'", expect.stringMatching(/^'nonce-[A-Za-z0-9+/]{22}==?'$/)]);
      expect([path, styles.length]).toEqual([path, 2]);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
  });

  it("gives the console's page the style nonce of its own response, a new one each time", async () => {
    const nonces = new Set<string>();
    for (const path of ['/', '/incidents/new', '/board', '/index.html']) {
      const res = await t.http().get(path);
      expect([path, res.status]).toEqual([path, 200]);
      const header = /'nonce-([^']+)'/.exec(res.headers['content-security-policy']!)![1]!;
      const meta = /<meta name="csp-nonce" content="([^"]+)"/.exec(res.text)?.[1];
      expect([path, meta]).toEqual([path, header]);
      expect(res.text).not.toContain('__CSP_NONCE__');
      nonces.add(header);
    }
    expect(nonces.size).toBe(4);
  });

  it('lets only the API documentation page (Swagger UI) set inline styles', async () => {
    const res = await t.http().get('/docs/');
    expect(res.status).toBe(200);
    const policy = policyOf(res.headers['content-security-policy']);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('answers no cross-origin caller unless CORS_ALLOWED_ORIGINS lists it, and then without cookies', async () => {
    const preflight = (app: TestApp, origin: string) =>
      app
        .http()
        .options('/api/incidents')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    const closed = await preflight(t, 'https://soc.example.gov.tw');
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
    const read = await t.http().get('/api/me').set('Origin', 'https://soc.example.gov.tw');
    expect(read.headers['access-control-allow-origin']).toBeUndefined();

    const open = await createTestApp({ CORS_ALLOWED_ORIGINS: 'https://soc.example.gov.tw' });
    try {
      const allowed = await preflight(open, 'https://soc.example.gov.tw');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://soc.example.gov.tw');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      const other = await preflight(open, 'https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const answer = await open.http().get('/api/me').set('Origin', 'https://soc.example.gov.tw');
      expect(answer.status).toBe(401);
      expect(answer.headers['access-control-allow-origin']).toBe('https://soc.example.gov.tw');
    } finally {
      await open.close();
    }
  });

  it('adds HSTS when the system is reached over https', async () => {
    const https = await createTestApp({ PUBLIC_URL: 'https://irbc.example.gov.tw' });
    try {
      const res = await https.http().get('/health');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(policyOf(res.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
    } finally {
      await https.close();
    }
  });
});
