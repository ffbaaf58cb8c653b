import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, PASSWORD, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * Logins throttled beyond the account lockout: refused logins are counted per account (the e-mail
 * typed, existing or not) and per client address, in Redis across API processes; past either
 * limit a login is refused at once with 429 and Retry-After, whatever the password, audited and
 * without touching the account's own failure count.
 */
describe('login throttling per account and per client address', () => {
  let t: TestApp;
  const login = (email: string, password: string, address: string) =>
    t.http().post('/api/auth/login').set('X-Forwarded-For', address).set('Accept-Language', 'en').send({ email, password });

  beforeAll(async () => {
    // Three refusals per account, five per address, in 15 minutes (the default window); the policy locks after five failures.
    t = await createTestApp({ LOGIN_REFUSALS_PER_ACCOUNT: '3', LOGIN_REFUSALS_PER_ADDRESS: '5' });
    const agency = await seedAgency(t.db, { code: 'THR' });
    for (const email of ['a@thr.gov.tw', 'b@thr.gov.tw', 'c@thr.gov.tw']) await seedUser(t, { agencyId: agency, email, roles: ['reporter'] });
  });
  afterAll(() => t.close());

  const failures = async (email: string) => (await t.db.query('SELECT failed_login_count FROM users WHERE email = $1', [email])).rows[0].failed_login_count;

  it('refuses an account at once after its limit of refused logins, even with the right password, from any address', async () => {
    for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) expect((await login('a@thr.gov.tw', 'wrong-password-1', address)).status).toBe(401);
    expect(await failures('a@thr.gov.tw')).toBe(3);
    const throttled = await login('A@thr.gov.tw', PASSWORD, '198.51.100.4');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(throttled.body).toMatchObject({ status: 429, type: '/problems/too-many-requests', retryAfterSeconds: retryAfter });
    expect(throttled.body.detail).toMatch(/too many refused logins for this account or from this address: try again in 15 minutes/);
    // Not counted on the account (the lockout's own count is of passwords actually tried).
    expect(await failures('a@thr.gov.tw')).toBe(3);
    const audited = await t.db.query(
      `SELECT details FROM audit_events WHERE action = 'auth.login' AND details->>'reason' = 'throttled' AND actor_label = 'A@thr.gov.tw'`,
    );
    expect(audited.rows).toEqual([{ details: { reason: 'throttled', ip: '198.51.100.4', retryAfterSeconds: retryAfter } }]);
    // Another account is not affected.
    expect((await login('b@thr.gov.tw', PASSWORD, '198.51.100.4')).status).toBe(200);
  });

  it('counts unknown accounts too, and refuses an address at once after its limit, for every account', async () => {
    const address = '203.0.113.9';
    for (let i = 0; i < 5; i++) expect((await login(`nobody-${i}@thr.gov.tw`, 'guess', address)).status).toBe(401);
    const throttled = await login('c@thr.gov.tw', PASSWORD, address);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // The same account from another address signs in; an unknown account past its own limit is throttled as a real one is.
    expect((await login('c@thr.gov.tw', PASSWORD, '203.0.113.10')).status).toBe(200);
    for (const a of ['203.0.113.11', '203.0.113.12', '203.0.113.13']) await login('ghost@thr.gov.tw', 'guess', a);
    expect((await login('ghost@thr.gov.tw', 'guess', '203.0.113.14')).status).toBe(429);
  });

  it('answers the console login the same way', async () => {
    const res = await t
      .http()
      .post('/api/auth/console-login')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('X-IRBC-Console', '1')
      .set('Origin', t.config.publicUrl)
      .send({ email: 'b@thr.gov.tw', password: PASSWORD });
    expect(res.status).toBe(429);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
