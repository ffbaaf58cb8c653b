import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/**
 * Least privilege by agency tree: A is the superior agency, B and C its subordinates. Outside
 * the caller's scope everything answers 404 (never 403), and each such refusal is audited.
 */
describe('scope: the agency tree limits what each role sees', () => {
  let t: TestApp;
  let A: string;
  let B: string;
  let C: string;
  let userOfA: string;
  let unitOfA: string;
  let reporterB: string;
  let reporterBToken: string;
  let adminBToken: string;
  let adminAToken: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** http.refused rows written for this actor and path, as the problem filter records them. */
  const refusals = async (actorId: string, path: string) =>
    (
      await t.db.query(
        `SELECT outcome, agency_id, target_type, target_id, details FROM audit_events
          WHERE action = 'http.refused' AND actor_id = $1 AND details->>'path' = $2 ORDER BY seq`,
        [actorId, path],
      )
    ).rows;

  beforeAll(async () => {
    t = await createTestApp();
    A = await seedAgency(t.db, { code: 'ASUP', level: 'A' });
    B = await seedAgency(t.db, { code: 'BSUB', parentId: A });
    C = await seedAgency(t.db, { code: 'CSUB', parentId: A });
    userOfA = await seedUser(t, { agencyId: A, email: 'staff@a.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId: A, email: 'admin@a.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId: A, email: 'ciso@a.gov.tw', roles: ['ciso', 'reporter'] });
    await seedUser(t, { agencyId: A, email: 'auditor@a.gov.tw', roles: ['auditor'] });
    reporterB = await seedUser(t, { agencyId: B, email: 'staff@b.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId: B, email: 'admin@b.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId: C, email: 'staff@c.gov.tw', roles: ['reporter'] });
    adminAToken = await login(t, 'admin@a.gov.tw');
    adminBToken = await login(t, 'admin@b.gov.tw');
    reporterBToken = await login(t, 'staff@b.gov.tw');
    const unit = await t.http().post('/api/units').set(auth(adminAToken)).send({ agencyId: A, name: '資訊室', type: 'it' });
    expect(unit.status).toBe(201);
    unitOfA = unit.body.id;
  });
  afterAll(() => t.close());

  it('lets a reporter of B read its own agency', async () => {
    const res = await t.http().get(`/api/agencies/${B}`).set(auth(reporterBToken));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: B, code: 'BSUB', parentId: A });
  });

  it('answers 404 (not 403) when a reporter of B reads agency A, and audits the refusal', async () => {
    const res = await t.http().get(`/api/agencies/${A}`).set(auth(reporterBToken));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    expect(JSON.stringify(res.body)).not.toContain('ASUP');
    const rows = await refusals(reporterB, `/api/agencies/${A}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: 'refused',
      agency_id: B,
      target_type: 'route',
      target_id: 'GET /api/agencies/:id',
      details: { status: 404, type: 'not-found' },
    });
  });

  it('answers an existing agency out of scope exactly like one that does not exist', async () => {
    const missing = randomUUID();
    const hidden = await t.http().get(`/api/agencies/${A}`).set(auth(reporterBToken));
    const absent = await t.http().get(`/api/agencies/${missing}`).set(auth(reporterBToken));
    expect(absent.status).toBe(hidden.status);
    expect({ ...absent.body, detail: absent.body.detail.replace(missing, 'X'), instance: undefined }).toEqual({
      ...hidden.body,
      detail: hidden.body.detail.replace(A, 'X'),
      instance: undefined,
    });
  });

  it('answers 404 when a reporter of B reads a user of A, and audits the refusal', async () => {
    const res = await t.http().get(`/api/users/${userOfA}`).set(auth(reporterBToken));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    expect(JSON.stringify(res.body)).not.toContain('staff@a.gov.tw');
    const rows = await refusals(reporterB, `/api/users/${userOfA}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'refused', target_id: 'GET /api/users/:id', details: { status: 404 } });
    // A user who does not exist at all answers the same status and problem type.
    const absent = await t.http().get(`/api/users/${randomUUID()}`).set(auth(reporterBToken));
    expect(absent.status).toBe(404);
    expect(absent.body.type).toBe(res.body.type);
  });

  it('answers 404 when a reporter of B lists the units of A, and audits the refusal', async () => {
    const res = await t.http().get('/api/units').query({ agencyId: A }).set(auth(reporterBToken));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    const rows = await refusals(reporterB, '/api/units');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'refused', target_id: 'GET /api/units', details: { status: 404 } });
    const own = await t.http().get('/api/units').set(auth(reporterBToken));
    expect(own.status).toBe(200);
    expect(own.body.items.map((u: { id: string }) => u.id)).not.toContain(unitOfA);
  });

  it('shows a user of B only agency B in /api/agencies, whatever its role', async () => {
    for (const token of [reporterBToken, adminBToken]) {
      const res = await t.http().get('/api/agencies').set(auth(token));
      expect(res.status).toBe(200);
      expect(res.body.items.map((a: { id: string }) => a.id)).toEqual([B]);
      expect(res.body.nextCursor).toBeNull();
    }
  });

  it.each(['admin@a.gov.tw', 'ciso@a.gov.tw', 'auditor@a.gov.tw'])('shows %s agencies A, B and C', async (email) => {
    const token = await login(t, email);
    const res = await t.http().get('/api/agencies').set(auth(token));
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual([A, B, C]);
    const sub = await t.http().get(`/api/agencies/${C}`).set(auth(token));
    expect(sub.status).toBe(200);
  });

  it('shows a reporter of A only agency A, and 404s its subordinates', async () => {
    const token = await login(t, 'staff@a.gov.tw');
    const res = await t.http().get('/api/agencies').set(auth(token));
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual([A]);
    expect((await t.http().get(`/api/agencies/${B}`).set(auth(token))).status).toBe(404);
  });

  it('refuses an admin of B creating a user in sibling agency C with a 404, creating nothing', async () => {
    const res = await t
      .http()
      .post('/api/users')
      .set(auth(adminBToken))
      .send({ email: 'intruder@c.gov.tw', name: 'Intruder', agencyId: C, roles: ['responder'], password: 'Another-Secret-77' });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('/problems/not-found');
    const created = await t.db.query(`SELECT count(*)::int AS n FROM users WHERE email = 'intruder@c.gov.tw'`);
    expect(created.rows[0].n).toBe(0);
    const audited = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND outcome = 'refused' AND target_id = 'POST /api/users' AND details->>'status' = '404'`,
    );
    expect(audited.rows[0].n).toBe(1);
    const own = await t
      .http()
      .post('/api/users')
      .set(auth(adminBToken))
      .send({ email: 'new@b.gov.tw', name: 'New', agencyId: B, roles: ['responder'], password: 'Another-Secret-77' });
    expect(own.status).toBe(201);
  });

  it('pages /api/users?limit=2 through every visible user by nextCursor, without duplicates', async () => {
    // Mixed case and punctuation, across the three agencies: the order is by lower-cased e-mail.
    for (const [agencyId, email] of [
      [A, 'Alpha@a.gov.tw'],
      [B, 'alpha.b@b.gov.tw'],
      [C, 'ALPHA-C@c.gov.tw'],
      [A, 'alpha_d@a.gov.tw'],
      [C, 'Zulu@c.gov.tw'],
    ] as const) {
      await seedUser(t, { agencyId, email, roles: ['reporter'] });
    }
    const all = await t.db.query('SELECT id FROM users');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await t
        .http()
        .get('/api/users')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(adminAToken));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(50);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(all.rows.map((r) => r.id as string).sort());
    expect(pages).toBe(Math.ceil(all.rows.length / 2));
  });

  it('pages a user of B only through the users of B', async () => {
    const seen: Array<{ agencyId: string }> = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await t
        .http()
        .get('/api/users')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(reporterBToken));
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    const ofB = await t.db.query('SELECT count(*)::int AS n FROM users WHERE agency_id = $1', [B]);
    expect(seen).toHaveLength(ofB.rows[0].n);
    expect(seen.every((u) => u.agencyId === B)).toBe(true);
  });
});
