import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, login, PASSWORD, seedAgency, seedUser, type TestApp } from './support/test-app.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('identity: login, lockout, password age, disabling, vendor expiry', () => {
  let t: TestApp;
  let agencyId: string;
  let adminToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'MOJ' });
    await seedUser(t, { agencyId, email: 'admin@moj.gov.tw', roles: ['admin', 'reporter'] });
    adminToken = await login(t, 'admin@moj.gov.tw');
  });
  afterAll(() => t.close());

  it('logs in with the right password and reads /api/me', async () => {
    await seedUser(t, { agencyId, email: 'staff@moj.gov.tw', roles: ['reporter'] });
    const res = await t.http().post('/api/auth/login').send({ email: 'STAFF@moj.gov.tw', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mustChangePassword: false, user: { email: 'staff@moj.gov.tw', roles: ['reporter'] } });
    expect(new Date(res.body.expiresAt).getTime()).toBe(t.clock.now().getTime() + 12 * 3_600_000);
    const me = await t.http().get('/api/me').set('Authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'staff@moj.gov.tw', agencyId });
  });

  it('refuses a wrong password and an unknown account alike, and audits both', async () => {
    await seedUser(t, { agencyId, email: 'wrong@moj.gov.tw', roles: ['reporter'] });
    const wrong = await t.http().post('/api/auth/login').send({ email: 'wrong@moj.gov.tw', password: 'Not-The-Password-1' });
    const unknown = await t.http().post('/api/auth/login').send({ email: 'nobody@moj.gov.tw', password: 'Not-The-Password-1' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/invalid-credentials', status: 401 });
    }
    const audited = await t.db.query(
      `SELECT details->>'reason' AS reason FROM audit_events WHERE action = 'auth.login' AND outcome = 'refused' AND actor_label IN ('wrong@moj.gov.tw', 'nobody@moj.gov.tw') ORDER BY seq`,
    );
    expect(audited.rows.map((r) => r.reason)).toEqual(['wrong-password', 'unknown-account']);
  });

  it('locks the account after 5 failed logins for 15 minutes, then lets the right password in', async () => {
    await seedUser(t, { agencyId, email: 'lock@moj.gov.tw', roles: ['reporter'] });
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ email: 'lock@moj.gov.tw', password: `Wrong-Password-${i}` });
      expect(res.status).toBe(401);
    }
    // Locked, even the right password answers like a wrong one (the holder is told by e-mail).
    const locked = await t.http().post('/api/auth/login').send({ email: 'lock@moj.gov.tw', password: PASSWORD });
    expect(locked.status).toBe(401);
    expect(locked.body.type).toBe('/problems/invalid-credentials');
    expect(locked.headers).not.toHaveProperty('retry-after');
    const user = await t.db.query(`SELECT locked_until FROM users WHERE email = 'lock@moj.gov.tw'`);
    expect(user.rows[0].locked_until.getTime()).toBe(t.clock.now().getTime() + 15 * MINUTE);
    t.clock.advance(14 * MINUTE);
    const stillLocked = await t.http().post('/api/auth/login').send({ email: 'lock@moj.gov.tw', password: PASSWORD });
    expect(stillLocked.status).toBe(401);
    expect(stillLocked.body.type).toBe('/problems/invalid-credentials');
    t.clock.advance(MINUTE);
    const open = await t.http().post('/api/auth/login').send({ email: 'lock@moj.gov.tw', password: PASSWORD });
    expect(open.status).toBe(200);
    const lockouts = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.lockout'`);
    expect(lockouts.rows[0].n).toBe(1);
  });

  it('forces a password change once the password is older than 180 days (90 for privileged roles)', async () => {
    await seedUser(t, { agencyId, email: 'old@moj.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId, email: 'ciso@moj.gov.tw', roles: ['ciso', 'reporter'] });
    t.clock.advance(90 * DAY);
    const staff = await t.http().post('/api/auth/login').send({ email: 'old@moj.gov.tw', password: PASSWORD });
    const ciso = await t.http().post('/api/auth/login').send({ email: 'ciso@moj.gov.tw', password: PASSWORD });
    expect(staff.body.mustChangePassword).toBe(false);
    expect(ciso.body.mustChangePassword).toBe(true);
    t.clock.advance(90 * DAY);
    const res = await t.http().post('/api/auth/login').send({ email: 'old@moj.gov.tw', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.mustChangePassword).toBe(true);
    const token = res.body.token as string;
    const blocked = await t.http().get('/api/agencies').set('Authorization', `Bearer ${token}`);
    expect(blocked.status).toBe(403);
    expect(blocked.body.type).toBe('/problems/password-change-required');
    const weak = await t.http().post('/api/auth/password').set('Authorization', `Bearer ${token}`).send({ currentPassword: PASSWORD, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0]).toMatchObject({ field: 'newPassword', rule: 'passwordPolicy' });
    const wrongCurrent = await t
      .http()
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: 'Not-Current-1!', newPassword: 'Brand-New-Secret-7' });
    expect(wrongCurrent.status).toBe(400);
    expect(wrongCurrent.body.errors[0]).toMatchObject({ field: 'currentPassword' });
    const changed = await t
      .http()
      .post('/api/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-7' });
    // The session is rotated: the token used for the change is over, the one answered is new and allowed everything.
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ token: expect.any(String), expiresAt: new Date(t.clock.now().getTime() + 12 * 3_600_000).toISOString() });
    expect(changed.body.token).not.toBe(token);
    expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const allowed = await t.http().get('/api/agencies').set('Authorization', `Bearer ${changed.body.token}`);
    expect(allowed.status).toBe(200);
    const relogin = await t.http().post('/api/auth/login').send({ email: 'old@moj.gov.tw', password: 'Brand-New-Secret-7' });
    expect(relogin.body.mustChangePassword).toBe(false);
  });

  it("ends a disabled user's live session on its very next request", async () => {
    const userId = await seedUser(t, { agencyId, email: 'leaver@moj.gov.tw', roles: ['responder', 'reporter'] });
    const token = await login(t, 'leaver@moj.gov.tw');
    expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await seedUser(t, { agencyId, email: 'admin2@moj.gov.tw', roles: ['admin', 'reporter'] });
    adminToken = await login(t, 'admin2@moj.gov.tw');
    const disable = await t.http().patch(`/api/users/${userId}`).set('Authorization', `Bearer ${adminToken}`).send({ disabled: true });
    expect(disable.status).toBe(200);
    expect(disable.body.disabled).toBe(true);
    const next = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(next.status).toBe(401);
    // Logging in again answers like a wrong password: a disabled account is not told apart.
    const again = await t.http().post('/api/auth/login').send({ email: 'leaver@moj.gov.tw', password: PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.type).toBe('/problems/invalid-credentials');
    const audit = await t.db.query(`SELECT details FROM audit_events WHERE action = 'user.disable' AND target_id = $1`, [userId]);
    expect(audit.rows[0].details.sessionsRevoked).toBe(1);
  });

  it('stops a vendor account at expiresAt, including its live session', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 2 * 3_600_000);
    await seedUser(t, { agencyId, email: 'vendor@contractor.com.tw', roles: ['vendor'], expiresAt });
    const token = await login(t, 'vendor@contractor.com.tw');
    expect((await t.http().get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    t.clock.set(expiresAt);
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.type).toBe('/problems/account-expired');
    const relogin = await t.http().post('/api/auth/login').send({ email: 'vendor@contractor.com.tw', password: PASSWORD });
    expect(relogin.status).toBe(401);
    expect(relogin.body.type).toBe('/problems/invalid-credentials');
  });

  it('logs out: the token stops working at once', async () => {
    await seedUser(t, { agencyId, email: 'bye@moj.gov.tw', roles: ['reporter'] });
    const token = await login(t, 'bye@moj.gov.tw');
    expect((await t.http().post('/api/auth/logout').set('Authorization', `Bearer ${token}`)).status).toBe(204);
    const after = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe('session-revoked');
  });

  it('refuses a request without a token and audits the refusal', async () => {
    const res = await t.http().get('/api/agencies');
    expect(res.status).toBe(401);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND details->>'reason' = 'missing-authorization'`,
    );
    expect(audit.rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('writes the refusals’ details in the caller’s language: zh-TW by default, English on Accept-Language or for an account in English', async () => {
    const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
    const noToken = await t.http().get('/api/agencies');
    expect(noToken.body.detail).toBe('請以 Authorization: Bearer <token> 標頭送出 POST /api/auth/login 取得的權杖');
    expect((await t.http().get('/api/agencies').set('Accept-Language', 'en')).body.detail).toBe('send Authorization: Bearer <token> from POST /api/auth/login');

    await seedUser(t, { agencyId, email: 'lang@moj.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId, email: 'english@moj.gov.tw', roles: ['reporter'], locale: 'en' });
    const reporter = await login(t, 'lang@moj.gov.tw');
    const english = await login(t, 'english@moj.gov.tw');
    const body = { email: 'new@moj.gov.tw', name: '新人', agencyId, roles: ['responder'] };
    const forbidden = await t.http().post('/api/users').set(auth(reporter)).send(body);
    expect([forbidden.status, forbidden.body.detail]).toEqual([403, '需要下列角色之一：admin']);
    expect((await t.http().post('/api/users').set(auth(english)).send(body)).body.detail).toBe('this needs one of the roles: admin');

    const taken = await t
      .http()
      .post('/api/users')
      .set(auth(adminToken))
      .send({ ...body, email: 'lang@moj.gov.tw' });
    expect([taken.status, taken.body.detail]).toEqual([409, '電子郵件 lang@moj.gov.tw 已有帳號使用']);
    const adminId = (await t.http().get('/api/me').set(auth(adminToken))).body.id;
    const self = await t.http().patch(`/api/users/${adminId}`).set(auth(adminToken)).send({ disabled: true });
    expect([self.status, self.body.detail]).toEqual([422, '管理者不得停用自己的帳號']);
    const selfEn = await t.http().patch(`/api/users/${adminId}`).set(auth(adminToken)).set('Accept-Language', 'en-GB, zh;q=0.5').send({ disabled: true });
    expect(selfEn.body.detail).toBe('an administrator cannot disable their own account');

    expect((await t.http().post('/api/auth/logout').set(auth(reporter))).status).toBe(204);
    const revoked = await t.http().get('/api/me').set(auth(reporter));
    expect([revoked.status, revoked.body.detail]).toEqual([401, '工作階段已失效（session-revoked），請重新登入']);
  });

  it('takes back the editable part of what GET answers for an account (PATCH with GET’s name, roles, unitIds, expiresAt, disabled, locale)', async () => {
    const auth = { Authorization: `Bearer ${adminToken}` };
    const created = await t
      .http()
      .post('/api/users')
      .set(auth)
      .send({ email: 'round@moj.gov.tw', name: '往返', agencyId, roles: ['responder'], locale: 'en' });
    expect(created.status).toBe(201);
    const read = await t.http().get(`/api/users/${created.body.id}`).set(auth);
    expect(read.status).toBe(200);
    const { name, roles, unitIds, expiresAt, disabled, locale } = read.body;
    const patched = await t.http().patch(`/api/users/${created.body.id}`).set(auth).send({ name, roles, unitIds, expiresAt, disabled, locale });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(read.body);
    expect((await t.http().get(`/api/users/${created.body.id}`).set(auth)).body).toEqual(read.body);
  });
});
