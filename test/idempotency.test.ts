import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type supertest from 'supertest';
import { moveClock, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
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
 * Every other creation takes the key the same way: a plan, an extra drill, a corrective action,
 * an evidence item and a custody transfer, retried with their key, exist once. (A transfer retried
 * without the key would be a second transfer, refused as not from the current custodian.)
 * Creations that answer a one-time secret (a webhook's, a calendar feed URL) keep no copy of it
 * in a replay store: they take no key, and are listed in the README.
 */
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Sends the same creation twice under one key: the second is the first answer again. */
async function twice(send: () => supertest.Test, status = 201) {
  const first = await send();
  expect(first.status).toBe(status);
  const again = await send();
  expect([again.status, again.headers['idempotent-replayed']]).toEqual([status, 'true']);
  expect(again.body).toEqual(first.body);
  expect(again.headers.location).toBe(first.headers.location);
  return first.body;
}

const count = async (t: TestApp, table: string, where: string, value: unknown) =>
  (await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where} = $1`, [value])).rows[0].n as number;

describe('Idempotency-Key on continuity creations', () => {
  let t: TestApp;
  let cw: ContinuityWorld;

  beforeAll(async () => {
    t = await createTestApp({ SESSION_TTL: 'P60D' });
    cw = await seedContinuityWorld(t);
  });
  afterAll(() => t.close());

  it('a plan, an extra drill and a corrective action, each retried, exist once', async () => {
    const coordinator = bearer(cw.tokens.coordinator);
    const body = planBody({ title: 'Retried plan 重送' });
    const plan = await twice(() => t.http().post('/api/continuity/plans').set(coordinator).set('Idempotency-Key', 'plan-key-0001').send(body));
    expect(await count(t, 'continuity_plans', 'title', 'Retried plan 重送')).toBe(1);

    const drillBody = { scheduledFor: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString(), drillType: 'tabletop', reminders: [] };
    const drill = await twice(() =>
      t.http().post(`/api/continuity/plans/${plan.id}/drills`).set(coordinator).set('Idempotency-Key', 'drill-key-0001').send(drillBody),
    );
    expect(await count(t, 'drills', 'plan_id', plan.id)).toBe(1);
    const different = await t
      .http()
      .post(`/api/continuity/plans/${plan.id}/drills`)
      .set(coordinator)
      .set('Idempotency-Key', 'drill-key-0001')
      .send({ ...drillBody, drillType: 'full_interruption' });
    expect([different.status, different.body.field]).toEqual([422, 'Idempotency-Key']);

    await moveClock(t, cw, drillBody.scheduledFor);
    for (const event of [{ type: 'START' }, { type: 'COMPLETE' }]) {
      const current = ok(await t.http().get(`/api/drills/${drill.id}`).set(coordinator));
      ok(await t.http().post(`/api/drills/${drill.id}/events`).set(coordinator).set('If-Match', String(current.version)).send(event));
    }
    const action = { sourceType: 'drill', sourceId: drill.id, title: 'Shorten the DNS TTL', ownerUserId: cw.users.staff, dueAt: '2099-09-01T00:00:00Z' };
    await twice(() => t.http().post('/api/corrective-actions').set(coordinator).set('Idempotency-Key', 'action-key-0001').send(action));
    expect(await count(t, 'corrective_actions', 'title', 'Shorten the DNS TTL')).toBe(1);
  });
});

describe('Idempotency-Key on evidence creations', () => {
  let t: TestApp;
  let iw: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    iw = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  it('an evidence item and its custody transfer, each retried, are recorded once', async () => {
    const filed = await fileIncident(t, iw.tokens.reporter);
    const collectedAt = new Date(t.clock.now().getTime() - 60_000).toISOString();
    const evidence = {
      description: 'firewall logs',
      source: 'fw01',
      collectedBy: 'responder@sub.gov.tw',
      collectedAt,
      sha256: 'e'.repeat(64),
      storage: 'locker D-4',
    };
    const item = await twice(() =>
      t.http().post(`/api/incidents/${filed.id}/evidence`).set(bearer(iw.tokens.responder)).set('Idempotency-Key', 'evidence-key-0001').send(evidence),
    );
    expect(await count(t, 'evidence_items', 'incident_id', filed.id)).toBe(1);

    const transfer = {
      from: 'responder@sub.gov.tw',
      to: 'CISO office',
      at: new Date(t.clock.now().getTime() - 30_000).toISOString(),
      purpose: 'analysis',
      sha256: 'e'.repeat(64),
    };
    await twice(() =>
      t
        .http()
        .post(`/api/incidents/${filed.id}/evidence/${item.id}/transfers`)
        .set(bearer(iw.tokens.ethics))
        .set('Idempotency-Key', 'transfer-key-0001')
        .send(transfer),
    );
    expect(await count(t, 'evidence_transfers', 'evidence_id', item.id)).toBe(1);
    // The same key on another item is another request, not a replay of the first.
    const other = await t
      .http()
      .post(`/api/incidents/${filed.id}/evidence`)
      .set(bearer(iw.tokens.responder))
      .set('Idempotency-Key', 'evidence-key-0001')
      .send({ ...evidence, description: 'proxy logs' });
    expect([other.status, other.body.field]).toEqual([422, 'Idempotency-Key']);
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
