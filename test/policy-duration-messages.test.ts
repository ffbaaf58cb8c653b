import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * A policy duration out of its bounds is refused naming the bound in either language (the console
 * shows the message at the field, its durations in words): "不得大於 PT1H", not "不得大於".
 */
describe('policy duration bounds in the caller’s language', () => {
  let t: TestApp;
  let agencyId: string;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'DURMSG' });
    await seedUser(t, { agencyId, email: 'admin@durmsg.gov.tw', roles: ['admin', 'reporter'] });
    token = await login(t, 'admin@durmsg.gov.tw');
  });
  afterAll(() => t.close());

  const put = (language: string) => {
    const body = structuredClone(DEFAULT_POLICY);
    body.clocks.report.major = 'PT2H';
    body.lockout.duration = 'PT1M';
    return t
      .http()
      .put(`/api/agencies/${agencyId}/policy`)
      .set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', language)
      .set('If-Match', '"1"')
      .send(body);
  };

  it('names the ceiling of a lengthened clock and the floor of a short lock in zh-TW', async () => {
    const res = await put('zh-TW');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'clocks.report.major', rule: 'max', message: 'clocks.report.major 不得大於 PT1H' },
        { field: 'lockout.duration', rule: 'min', message: 'lockout.duration 不得小於 PT5M' },
      ]),
    );
    const stored = await t.db.query('SELECT document FROM agency_policies WHERE agency_id = $1', [agencyId]);
    expect(stored.rows[0]?.document?.clocks?.report?.major ?? 'PT1H').toBe('PT1H');
  });

  it('names them in English too', async () => {
    const res = await put('en');
    expect(res.status).toBe(400);
    const byField = Object.fromEntries((res.body.errors as Array<{ field: string; message: string }>).map((e) => [e.field, e.message]));
    expect(byField['clocks.report.major']).toMatch(/must not exceed PT1H/);
    expect(byField['lockout.duration']).toMatch(/must be at least PT5M/);
  });
});
