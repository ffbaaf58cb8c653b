import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectStatus } from './support/http.js';
import { createTestApp, login, PASSWORD, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * The web console's session: console-login answers what login answers but without the token, which
 * goes into an HttpOnly, SameSite=Strict cookie. Reads work with the cookie alone; a write made with
 * the cookie needs X-IRBC-Console: 1 and the console's own Origin (else 403 cross-site, audited, and
 * nothing changes); the login needs both too (login CSRF). Bearer clients are unaffected.
 */

const EMAIL = 'admin@console.gov.tw';
const FOREIGN = 'https://evil.example';
const HOST = 'console.test:8080';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const header = res.headers['set-cookie'];
  const cookies = Array.isArray(header) ? (header as string[]) : [String(header)];
  const cookie = cookies.find((c) => c.startsWith('irbc_session='));
  if (!cookie) throw new Error(`no irbc_session cookie in ${JSON.stringify(header)}`);
  return cookie;
}

describe('console sessions (PUBLIC_URL not set: the request’s own host is the console’s origin)', () => {
  let t: TestApp;
  let agencyId: string;
  // Requests name the host they were sent to (supertest's own port changes per request).
  const origin = `http://${HOST}`;

  const consoleLogin = (headers: Record<string, string>) =>
    t
      .http()
      .post('/api/auth/console-login')
      .set({ Host: HOST, ...headers })
      .send({ email: EMAIL, password: PASSWORD });
  const signIn = async () => {
    const res = await consoleLogin({ 'X-IRBC-Console': '1', Origin: origin });
    expectStatus(res, 200);
    return cookieOf(res).split(';')[0]!;
  };
  const unitCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM units WHERE agency_id = $1', [agencyId])).rows[0].n as number;
  const crossSiteRefusals = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND details->>'reason' = 'cross-site'`)).rows[0].n as number;

  beforeAll(async () => {
    t = await createTestApp({ SESSION_TTL: 'PT8H' });
    agencyId = await seedAgency(t.db, { code: 'CONSOLE' });
    await seedUser(t, { agencyId, email: EMAIL, roles: ['admin'] });
  });
  afterAll(() => t.close());

  it('logs in with an HttpOnly, SameSite=Strict cookie lasting the session, and no token in the body', async () => {
    const res = await consoleLogin({ 'X-IRBC-Console': '1', Origin: origin });
    const body = expectStatus(res, 200);
    expect(body).not.toHaveProperty('token');
    expect(body).toMatchObject({ mustChangePassword: false, user: { email: EMAIL, agencyId, roles: ['admin'] }, agencyTimezone: 'Asia/Taipei' });
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^irbc_session=[A-Za-z0-9_-]{40,}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect(JSON.stringify(body)).not.toContain(cookie.split(';')[0]!.split('=')[1]);
  });

  it('rotates the session on a password change: a new cookie, none of it in the body, and the old cookie worth nothing', async () => {
    const before = await signIn();
    const changed = await t
      .http()
      .post('/api/auth/password')
      .set({ Host: HOST, 'X-IRBC-Console': '1', Origin: origin, Cookie: before })
      .send({ currentPassword: PASSWORD, newPassword: 'Rotated-Secret-2026!' });
    const body = expectStatus(changed, 200);
    expect(body).toEqual({ expiresAt: expect.any(String) });
    const after = cookieOf(changed).split(';')[0]!;
    expect(after).toMatch(/^irbc_session=[A-Za-z0-9_-]{40,}$/);
    expect(after).not.toBe(before);
    expect(cookieOf(changed)).toMatch(/; HttpOnly; SameSite=Strict$/);
    expect((await t.http().get('/api/auth/console-session').set({ Host: HOST, Cookie: before })).status).toBe(401);
    expectStatus(await t.http().get('/api/auth/console-session').set({ Host: HOST, Cookie: after }), 200);
    // Back to the password the other tests sign in with (a second rotation, from the new cookie).
    const back = await t
      .http()
      .post('/api/auth/password')
      .set({ Host: HOST, 'X-IRBC-Console': '1', Origin: origin, Cookie: after })
      .send({ currentPassword: 'Rotated-Secret-2026!', newPassword: PASSWORD });
    expectStatus(back, 200);
  });

  it('refuses a console login without the header or from another origin (login CSRF), and opens no session', async () => {
    const sessions = async () => (await t.db.query('SELECT count(*)::int AS n FROM sessions')).rows[0].n as number;
    const before = await sessions();
    const refused: Array<Record<string, string>> = [
      { Origin: origin },
      { 'X-IRBC-Console': '1' },
      { 'X-IRBC-Console': '1', Origin: FOREIGN },
      { 'X-IRBC-Console': 'yes', Origin: origin },
    ];
    for (const headers of refused) {
      const res = await consoleLogin(headers);
      expect([res.status, res.body.type, res.body.reason]).toEqual([403, '/problems/forbidden', 'cross-site']);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await sessions()).toBe(before);
  });

  it('reads with the cookie alone', async () => {
    const cookie = await signIn();
    const session = expectStatus(await t.http().get('/api/auth/console-session').set('Cookie', cookie), 200);
    expect(session).toMatchObject({ user: { email: EMAIL }, mustChangePassword: false, agencyTimezone: 'Asia/Taipei' });
    expect(session).not.toHaveProperty('token');
    expectStatus(await t.http().get('/api/units').set('Cookie', cookie), 200);
  });

  it('refuses a write with the cookie but without the header or from a foreign origin: 403 cross-site, audited, nothing created', async () => {
    const cookie = await signIn();
    const before = await unitCount();
    const refusalsBefore = await crossSiteRefusals();
    const unit = { agencyId, name: '資訊室', type: 'it' };
    for (const headers of [{}, { Origin: origin }, { 'X-IRBC-Console': '1' }, { 'X-IRBC-Console': '1', Origin: FOREIGN }]) {
      const res = await t
        .http()
        .post('/api/units')
        .set({ Host: HOST, Cookie: cookie, ...headers })
        .send(unit);
      expect([res.status, res.body.type, res.body.reason]).toEqual([403, '/problems/forbidden', 'cross-site']);
    }
    expect(await unitCount()).toBe(before);
    expect(await crossSiteRefusals()).toBe(refusalsBefore + 4);
    // The same write from the console itself goes through.
    expectStatus(await t.http().post('/api/units').set({ Host: HOST, Cookie: cookie, 'X-IRBC-Console': '1', Origin: origin }).send(unit), 201);
    expect(await unitCount()).toBe(before + 1);
  });

  it('leaves bearer clients as they were: no header or Origin needed, and a bearer token wins over a cookie', async () => {
    const token = await login(t, EMAIL);
    expectStatus(await t.http().post('/api/units').set('Authorization', `Bearer ${token}`).send({ agencyId, name: '業務科', type: 'business' }), 201);
    const res = await t
      .http()
      .post('/api/units')
      .set({ Authorization: 'Bearer not-a-valid-token-at-all-000', Cookie: await signIn(), 'Accept-Language': 'en' })
      .send({ agencyId, name: 'x', type: 'it' });
    expect([res.status, res.body.type]).toEqual([401, '/problems/unauthenticated']);
  });

  it('logs out with the cookie: the session ends and the cookie is cleared', async () => {
    const cookie = await signIn();
    const res = await t.http().post('/api/auth/logout').set({ Host: HOST, Cookie: cookie, 'X-IRBC-Console': '1', Origin: origin });
    expect(res.status).toBe(204);
    expect(cookieOf(res)).toBe('irbc_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
    const after = await t.http().get('/api/auth/console-session').set({ Cookie: cookie, 'Accept-Language': 'en' });
    expect([after.status, after.body.reason]).toEqual([401, 'session-revoked']);
  });

  it('refuses a cross-site logout with the cookie (the session stays)', async () => {
    const cookie = await signIn();
    const res = await t.http().post('/api/auth/logout').set({ Host: HOST, Cookie: cookie, Origin: FOREIGN, 'X-IRBC-Console': '1' });
    expect([res.status, res.body.reason]).toEqual([403, 'cross-site']);
    expectStatus(await t.http().get('/api/auth/console-session').set('Cookie', cookie), 200);
  });
});

describe('console sessions behind https (PUBLIC_URL set)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://ir.example.gov.tw' });
    const agencyId = await seedAgency(t.db, { code: 'CONSOLES' });
    await seedUser(t, { agencyId, email: EMAIL, roles: ['reporter'] });
  });
  afterAll(() => t.close());

  it('sets a Secure cookie, and accepts only PUBLIC_URL’s origin', async () => {
    const login = (origin: string) =>
      t.http().post('/api/auth/console-login').set({ 'X-IRBC-Console': '1', Origin: origin }).send({ email: EMAIL, password: PASSWORD });
    const res = await login('https://ir.example.gov.tw');
    expectStatus(res, 200);
    expect(cookieOf(res)).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    const ownHost = await login('http://127.0.0.1');
    expect([ownHost.status, ownHost.body.reason]).toEqual([403, 'cross-site']);
  });
});
