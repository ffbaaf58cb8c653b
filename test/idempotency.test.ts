import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * Idempotency-Key on the creations (filing an incident has its own, tested with the incidents):
 * a retried creation answers the first result again and creates nothing; another body under the
 * same key is refused; a key whose first request is still running answers 409; a failed creation
 * releases its key; keys are the caller's own.
 */
describe('Idempotency-Key on creations', () => {
  let t: TestApp;
  let agencyId: string;
  let admin: string;
  let otherAdmin: string;

  const countUnits = async (name: string) => (await t.db.query('SELECT count(*)::int AS n FROM units WHERE name = $1', [name])).rows[0].n as number;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'IDEMAG' });
    await seedUser(t, { agencyId, email: 'admin@idem.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId, email: 'admin2@idem.gov.tw', roles: ['admin', 'reporter'] });
    admin = await login(t, 'admin@idem.gov.tw');
    otherAdmin = await login(t, 'admin2@idem.gov.tw');
  });
  afterAll(() => t.close());

  const createUnit = (token: string, key: string | undefined, body: Record<string, unknown>) => {
    const req = t.http().post('/api/units').set('Authorization', `Bearer ${token}`);
    return key === undefined ? req.send(body) : req.set('Idempotency-Key', key).send(body);
  };

  it('answers a retried creation with the first result and creates nothing more', async () => {
    const body = { agencyId, name: '資訊室-重送', type: 'it' };
    const first = await createUnit(admin, 'unit-retry-0001', body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await createUnit(admin, 'unit-retry-0001', body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await countUnits('資訊室-重送')).toBe(1);
    // Another user's identical key is another request: it creates (and here conflicts on the name).
    const other = await createUnit(otherAdmin, 'unit-retry-0001', body);
    expect(other.status).toBe(409);
  });

  it('refuses the same key with another body (422) and creates nothing', async () => {
    expect((await createUnit(admin, 'unit-other-0001', { agencyId, name: '業務單位-甲', type: 'business' })).status).toBe(201);
    const refused = await createUnit(admin, 'unit-other-0001', { agencyId, name: '業務單位-乙', type: 'business' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: '/problems/unprocessable', field: 'Idempotency-Key' });
    expect(await countUnits('業務單位-乙')).toBe(0);
  });

  it('refuses a malformed key, naming the header and the rule', async () => {
    const refused = await createUnit(admin, 'short', { agencyId, name: '短鍵', type: 'it' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', rule: 'isIdempotencyKey' })]);
    expect(await countUnits('短鍵')).toBe(0);
  });

  it('releases the key of a refused creation, so the corrected request can use it', async () => {
    const bad = await createUnit(admin, 'unit-fixed-0001', { agencyId, name: '修正單位', type: 'nonsense' });
    expect(bad.status).toBe(400);
    const fixed = await createUnit(admin, 'unit-fixed-0001', { agencyId, name: '修正單位', type: 'it' });
    expect(fixed.status).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(await countUnits('修正單位')).toBe(1);
  });

  it('creates once when the same request arrives several times at once; the others answer the result or 409', async () => {
    const body = { agencyId, name: '併發單位', type: 'it' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => createUnit(admin, 'unit-race-00001', body)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    for (const busy of answers.filter((a) => a.status === 409)) expect(busy.body).toMatchObject({ field: 'Idempotency-Key' });
    expect(await countUnits('併發單位')).toBe(1);
    const later = await createUnit(admin, 'unit-race-00001', body);
    expect([later.status, later.headers['idempotent-replayed']]).toEqual([201, 'true']);
  });

  it('still creates without a key, as before', async () => {
    expect((await createUnit(admin, undefined, { agencyId, name: '無鍵單位', type: 'it' })).status).toBe(201);
    expect(await countUnits('無鍵單位')).toBe(1);
  });
});

/*
 * Idempotency-Key on the identity creations: agencies, accounts, on-call schedules and overrides.
 * A retry answers the first result (status, body, Location, Idempotent-Replayed) and creates one
 * row; the same key with another body is 422 and creates nothing.
 */
describe('Idempotency-Key on agencies, users, on-call schedules and overrides', () => {
  let t: TestApp;
  let agencyId: string;
  let admin: string;
  let memberId: string;
  let scheduleId: string;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'IDEMID' });
    await seedUser(t, { agencyId, email: 'admin@idem-id.gov.tw', roles: ['admin', 'reporter'] });
    memberId = await seedUser(t, { agencyId, email: 'member@idem-id.gov.tw', roles: ['responder', 'reporter'] });
    admin = await login(t, 'admin@idem-id.gov.tw');
    const schedule = await t
      .http()
      .post('/api/on-call/schedules')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        agencyId,
        name: '基準值班',
        layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00', participants: [memberId] }],
      });
    expect(schedule.status).toBe(201);
    scheduleId = schedule.body.id;
  });
  afterAll(() => t.close());

  const count = async (sql: string, param: string) => (await t.db.query(sql, [param])).rows[0].n as number;
  const layer = { rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00' };

  const creations = [
    {
      operation: 'createAgency',
      path: () => '/api/agencies',
      body: (n: string) => ({ name: `重送機關${n}`, code: `IDEMAG${n}`, parentId: agencyId, responsibilityLevel: 'C' }),
      location: (body: { id: string }) => `/api/agencies/${body.id}`,
      rows: (n: string) => count('SELECT count(*)::int AS n FROM agencies WHERE code = $1', `IDEMAG${n}`),
    },
    {
      operation: 'createUser',
      path: () => '/api/users',
      body: (n: string) => ({ email: `retry${n}@idem-id.gov.tw`, name: `重送${n}`, agencyId, roles: ['responder'], password: 'Retry-Password-2026!' }),
      location: (body: { id: string }) => `/api/users/${body.id}`,
      rows: (n: string) => count('SELECT count(*)::int AS n FROM users WHERE email = $1', `retry${n}@idem-id.gov.tw`),
    },
    {
      operation: 'createOnCallSchedule',
      path: () => '/api/on-call/schedules',
      body: (n: string) => ({ agencyId, name: `重送值班${n}`, layers: [{ ...layer, participants: [memberId] }] }),
      location: () => undefined,
      rows: (n: string) => count('SELECT count(*)::int AS n FROM oncall_schedules WHERE name = $1', `重送值班${n}`),
    },
    {
      operation: 'createOnCallOverride',
      path: () => `/api/on-call/schedules/${scheduleId}/overrides`,
      body: (n: string) => ({ userId: memberId, startsAt: '2026-03-03T12:00:00+08:00', endsAt: '2026-03-03T14:00:00+08:00', reason: `代理${n}` }),
      location: () => undefined,
      rows: (n: string) => count('SELECT count(*)::int AS n FROM oncall_overrides WHERE reason = $1', `代理${n}`),
    },
  ];

  const post = (path: string, key: string, body: object) => t.http().post(path).set('Authorization', `Bearer ${admin}`).set('Idempotency-Key', key).send(body);

  it.each(creations)(
    '$operation: the same key and body answer the first result again and create one row',
    async ({ operation, path, body, location, rows }) => {
      const key = `${operation}-same-0001`;
      const first = await post(path(), key, body('1'));
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(first.headers.location).toBe(location(first.body));
      const again = await post(path(), key, body('1'));
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(await rows('1')).toBe(1);
    },
  );

  it.each(creations)('$operation: the same key with another body is 422 and creates nothing', async ({ operation, path, body, rows }) => {
    const key = `${operation}-other-0001`;
    expect((await post(path(), key, body('2'))).status).toBe(201);
    const refused = await post(path(), key, body('3'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: '/problems/unprocessable', field: 'Idempotency-Key' });
    expect(await rows('3')).toBe(0);
    expect(await rows('2')).toBe(1);
  });
});
