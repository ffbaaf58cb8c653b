import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { resolveRecipients } from '../apps/api/src/notifications/recipients.js';
import { seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

const HOUR = 3_600_000;

describe('on-call schedules, hand-offs, overrides and who gets paged', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let admin: string;
  let ids: Record<string, string>;
  let scheduleId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // Sessions last a week here: the clock moves across days.
    t = await createTestApp({ SESSION_TTL: 'P7D' });
    // 2026-03-02T01:00Z is 09:00 in Taipei: the hand-off time of the rotation below.
    t.clock.set('2026-03-02T01:00:00Z');
    w = await seedIncidentWorld(t);
    await seedUser(t, { agencyId: w.sub, email: 'admin@sub.gov.tw', roles: ['admin', 'reporter'] });
    admin = await login(t, 'admin@sub.gov.tw');
    const rows = await t.db.query(`SELECT id, email FROM users`);
    ids = Object.fromEntries(rows.rows.map((r) => [r.email, r.id]));
  });
  afterAll(() => t.close());

  const paged = async () => {
    const manager = t.app.get(DataSource).manager;
    return (await resolveRecipients(manager, w.sub, [{ kind: 'escalationTarget', target: 'on_call_manager' }], t.clock.now())).map((r) => r.address);
  };

  it('pages every on-call manager while the agency has no schedule', async () => {
    expect(await paged()).toEqual(['manager@sub.gov.tw']);
  });

  it('creates a daily rotation and answers who is on call across the 09:00 hand-off', async () => {
    const created = await t
      .http()
      .post('/api/on-call/schedules')
      .set(auth(admin))
      .send({
        agencyId: w.sub,
        name: '資訊室值班 IT on call',
        layers: [
          {
            rotation: 'daily',
            handoffTime: '09:00',
            startsAt: '2026-03-02T09:00:00+08:00',
            participants: [ids['responder@sub.gov.tw'], ids['ethics@sub.gov.tw']],
          },
        ],
      });
    expect(created.status).toBe(201);
    expect(created.body.timezone).toBe('Asia/Taipei');
    scheduleId = created.body.id;
    const first = await t.http().get('/api/on-call/now').set(auth(w.tokens.reporter));
    expect(first.body.items[0].onCall).toMatchObject({
      userId: ids['responder@sub.gov.tw'],
      email: 'responder@sub.gov.tw',
      source: 'layer',
      endsAt: '2026-03-03T01:00:00.000Z',
    });
    expect(await paged()).toEqual(['responder@sub.gov.tw']);
    t.clock.set('2026-03-03T00:59:59Z');
    expect((await t.http().get('/api/on-call/now').set(auth(w.tokens.reporter))).body.items[0].onCall.userId).toBe(ids['responder@sub.gov.tw']);
    t.clock.set('2026-03-03T01:00:00Z');
    expect((await t.http().get('/api/on-call/now').set(auth(w.tokens.reporter))).body.items[0].onCall.userId).toBe(ids['ethics@sub.gov.tw']);
    expect(await paged()).toEqual(['ethics@sub.gov.tw']);
  });

  it('lets an override take over for its period, then hands back', async () => {
    const override = await t.http().post(`/api/on-call/schedules/${scheduleId}/overrides`).set(auth(w.tokens.manager)).send({
      userId: ids['ciso@sub.gov.tw'],
      startsAt: '2026-03-03T12:00:00+08:00',
      endsAt: '2026-03-03T14:00:00+08:00',
      reason: '代理 covering a doctor visit',
    });
    expect(override.status).toBe(201);
    t.clock.set('2026-03-03T04:30:00Z');
    expect(await paged()).toEqual(['ciso@sub.gov.tw']);
    const now = await t.http().get('/api/on-call/now').set(auth(w.tokens.reporter));
    expect(now.body.items[0].onCall).toMatchObject({ source: 'override', userId: ids['ciso@sub.gov.tw'] });
    t.clock.set('2026-03-03T06:00:00Z');
    expect(await paged()).toEqual(['ethics@sub.gov.tw']);
    const calendar = await t
      .http()
      .get('/api/on-call/calendar')
      .query({ from: '2026-03-03T09:00:00+08:00', to: '2026-03-04T09:00:00+08:00' })
      .set(auth(w.tokens.reporter));
    expect(calendar.status).toBe(200);
    expect(calendar.body.items[0].shifts.map((s: any) => [s.userId, s.startsAt, s.endsAt])).toEqual([
      [ids['ethics@sub.gov.tw'], '2026-03-03T01:00:00.000Z', '2026-03-03T04:00:00.000Z'],
      [ids['ciso@sub.gov.tw'], '2026-03-03T04:00:00.000Z', '2026-03-03T06:00:00.000Z'],
      [ids['ethics@sub.gov.tw'], '2026-03-03T06:00:00.000Z', '2026-03-04T01:00:00.000Z'],
    ]);
  });

  it('does not page a disabled person on call: the role takes over', async () => {
    await t.db.query(`UPDATE users SET disabled_at = now() WHERE email = 'ethics@sub.gov.tw'`);
    expect(await paged()).toEqual(['manager@sub.gov.tw']);
    await t.db.query(`UPDATE users SET disabled_at = NULL WHERE email = 'ethics@sub.gov.tw'`);
  });

  it.each([
    [
      'a participant of another agency',
      { layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00', participants: ['OTHER'] }] },
      'layers.0.participants',
      'sameAgency',
    ],
    [
      'a weekly rotation without a weekday',
      { layers: [{ rotation: 'weekly', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00', participants: ['RESP'] }] },
      'layers.0.handoffWeekday',
      'requiredForWeekly',
    ],
    [
      'a hand-off time of 24:00',
      { layers: [{ rotation: 'daily', handoffTime: '24:00', startsAt: '2026-03-02T09:00:00+08:00', participants: ['RESP'] }] },
      'layers.0.handoffTime',
      'matches',
    ],
    ['no layers', { layers: [] }, 'layers', 'arrayMinSize'],
    [
      'a start without offset',
      { layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00', participants: ['RESP'] }] },
      'layers.0.startsAt',
      'isInstant',
    ],
  ])('refuses %s (400 naming the field, nothing created)', async (_name, patch, field, rule) => {
    const body = JSON.parse(
      JSON.stringify({ agencyId: w.sub, name: `x-${field}-${rule}`, ...patch })
        .replaceAll('OTHER', ids['reporter@oth.gov.tw']!)
        .replaceAll('RESP', ids['responder@sub.gov.tw']!),
    );
    const before = await t.db.query('SELECT count(*)::int AS n FROM oncall_schedules');
    const res = await t.http().post('/api/on-call/schedules').set(auth(admin)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    expect((await t.db.query('SELECT count(*)::int AS n FROM oncall_schedules')).rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses a reporter (403), an override ending before it starts (400), and a calendar over 92 days (400)', async () => {
    const res = await t.http().post('/api/on-call/schedules').set(auth(w.tokens.reporter)).send({ agencyId: w.sub, name: 'n', layers: [] });
    expect(res.status).toBe(403);
    const bad = await t
      .http()
      .post(`/api/on-call/schedules/${scheduleId}/overrides`)
      .set(auth(admin))
      .send({ userId: ids['ciso@sub.gov.tw'], startsAt: '2026-03-03T14:00:00+08:00', endsAt: '2026-03-03T12:00:00+08:00', reason: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'endsAt', rule: 'afterStartsAt' });
    const long = await t.http().get('/api/on-call/calendar').query({ from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }).set(auth(admin));
    expect(long.status).toBe(400);
    expect(new Date(t.clock.now()).getTime()).toBeGreaterThan(Date.parse('2026-03-02T00:00:00Z') + HOUR);
  });

  it('names a participant that is not a UUID on the list (layers.0.participants isUuid), as the API always did', async () => {
    const res = await t
      .http()
      .post('/api/on-call/schedules')
      .set(auth(admin))
      .send({
        agencyId: w.sub,
        name: 'bad ids',
        layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00', participants: ['x'] }],
      });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'layers.0.participants', rule: 'isUuid' })]);
  });

  it('answers a second schedule of the same name 409, its detail in zh-TW by default and in English on request', async () => {
    const body = {
      agencyId: w.sub,
      name: '資訊室值班 IT on call',
      layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T09:00:00+08:00', participants: [ids['responder@sub.gov.tw']] }],
    };
    const zh = await t.http().post('/api/on-call/schedules').set(auth(admin)).send(body);
    expect([zh.status, zh.body.field, zh.body.detail]).toEqual([409, 'name', '本機關已有名為「資訊室值班 IT on call」的值班表']);
    const en = await t.http().post('/api/on-call/schedules').set(auth(admin)).set('Accept-Language', 'en').send(body);
    expect(en.body.detail).toBe('the agency already has a schedule named 資訊室值班 IT on call');
  });

  describe('paging: schedules, who is on call and the calendar page by schedule name with limit/cursor', () => {
    const collect = async (path: string, query: Record<string, string | number>) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res: { status: number; body: { items: Array<{ id?: string; scheduleId?: string }>; nextCursor: string | null } } = await t
          .http()
          .get(path)
          .query({ ...query, limit: 1, ...(cursor ? { cursor } : {}) })
          .set(auth(w.tokens.reporter));
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(1);
        seen.push(...res.body.items.map((s) => s.id ?? s.scheduleId!));
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      return seen;
    };

    it('gets every schedule exactly once through limit=1 pages, in the order of the whole list', async () => {
      for (const name of ['B 夜間值班', 'A 假日值班']) {
        const created = await t
          .http()
          .post('/api/on-call/schedules')
          .set(auth(admin))
          .send({
            agencyId: w.sub,
            name,
            layers: [
              { rotation: 'weekly', handoffTime: '18:00', handoffWeekday: 5, startsAt: '2026-02-27T18:00:00+08:00', participants: [ids['ciso@sub.gov.tw']] },
            ],
          });
        expect(created.status).toBe(201);
      }
      const all = await t.http().get('/api/on-call/schedules').query({ limit: 200 }).set(auth(w.tokens.reporter));
      expect(all.body.nextCursor).toBeNull();
      const order = all.body.items.map((s: { id: string }) => s.id);
      expect(order).toHaveLength(3);
      expect(all.body.items.map((s: { name: string }) => s.name)).toEqual([...all.body.items.map((s: { name: string }) => s.name)].sort());
      expect(await collect('/api/on-call/schedules', {})).toEqual(order);
      expect(await collect('/api/on-call/now', {})).toEqual(order);
      expect(await collect('/api/on-call/calendar', { from: '2026-03-03T09:00:00+08:00', to: '2026-03-10T09:00:00+08:00' })).toEqual(order);
    });

    it.each([
      ['/api/on-call/schedules', { limit: 0 }, 'limit', 'min'],
      ['/api/on-call/now', { limit: 201 }, 'limit', 'max'],
      ['/api/on-call/now', { page: 2 }, 'page', 'whitelist'],
      ['/api/on-call/calendar', { from: '2026-03-03T09:00:00+08:00', to: '2026-03-04T09:00:00+08:00', cursor: '!' }, 'cursor', 'matches'],
    ])('refuses %s?%j (400 naming %s, rule %s)', async (path, query, field, rule) => {
      const res = await t.http().get(path).query(query).set(auth(w.tokens.reporter));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    });
  });
});
