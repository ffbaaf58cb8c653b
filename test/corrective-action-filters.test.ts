import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { afterActionBody, moveClock, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as ok } from './support/http.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The corrective-action list's "mine" (owned by me in person) and "my unit" (owned by my unit or one of its people) filters. */
describe('corrective actions listed by owner', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let unitId: string;
  const ids: Record<'owner' | 'unit' | 'colleague' | 'other', string> = { owner: '', unit: '', colleague: '', other: '' };

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedContinuityWorld(t);
    await moveClock(t, w, '2026-03-02T01:00:00Z');
    unitId = randomUUID();
    await t.db.query(`INSERT INTO units (id, agency_id, name, type, created_at, updated_at) VALUES ($1, $2, '資訊室', 'it', now(), now())`, [unitId, w.sub]);
    // The owner and the responder work in the same unit; staff does not.
    await t.db.query(`INSERT INTO unit_memberships (unit_id, user_id, created_at) VALUES ($1, $2, now()), ($1, $3, now())`, [
      unitId,
      w.users.owner,
      w.users.responder,
    ]);
    const plan = ok(await t.http().post('/api/continuity/plans').set(auth(w.tokens.coordinator)).send(planBody()), 201);
    const drill = ok(
      await t
        .http()
        .post(`/api/continuity/plans/${plan.id}/drills`)
        .set(auth(w.tokens.coordinator))
        .send({ scheduledFor: '2026-03-10T01:00:00Z', drillType: 'tabletop' }),
      201,
    );
    await moveClock(t, w, '2026-03-10T01:00:00Z');
    const send = async (body: Record<string, unknown>) => {
      const current = ok(await t.http().get(`/api/drills/${drill.id}`).set(auth(w.tokens.coordinator)));
      return ok(await t.http().post(`/api/drills/${drill.id}/events`).set(auth(w.tokens.coordinator)).set('If-Match', String(current.version)).send(body));
    };
    await send({ type: 'START' });
    await send({ type: 'COMPLETE' });
    const due = '2026-06-30T09:00:00Z';
    const done = await send({
      type: 'SUBMIT_AFTER_ACTION',
      report: afterActionBody({
        correctiveActions: [
          { title: 'owner in person', ownerUserId: w.users.owner, dueAt: due },
          { title: 'the unit', ownerUnitId: unitId, dueAt: due },
          { title: 'a colleague of the unit', ownerUserId: w.users.responder, dueAt: due },
          { title: 'someone else', ownerUserId: w.users.staff, dueAt: due },
        ],
      }),
    });
    const actions = ok(await t.http().get(`/api/corrective-actions?sourceId=${drill.id}`).set(auth(w.tokens.coordinator))).items as Array<{
      id: string;
      title: string;
    }>;
    expect(done.correctiveActions).toHaveLength(4);
    const byTitle = (title: string) => actions.find((a) => a.title === title)!.id;
    ids.owner = byTitle('owner in person');
    ids.unit = byTitle('the unit');
    ids.colleague = byTitle('a colleague of the unit');
    ids.other = byTitle('someone else');
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = async (token: string, query: string) =>
    (ok(await t.http().get(`/api/corrective-actions?${query}`).set(auth(token))).items as Array<{ id: string }>).map((a) => a.id).sort();

  it('owner=me lists what I own in person, not my unit’s', async () => {
    expect(await list(w.tokens.owner, 'owner=me')).toEqual([ids.owner]);
    expect(await list(w.tokens.coordinator, 'owner=me')).toEqual([]);
  });

  it('owner=my_units lists what my unit owns and what its people own', async () => {
    expect(await list(w.tokens.owner, 'owner=my_units')).toEqual([ids.owner, ids.unit, ids.colleague].sort());
    expect(await list(w.tokens.responder, 'owner=my_units')).toEqual([ids.owner, ids.unit, ids.colleague].sort());
    // Without a unit, nothing is "my unit's".
    expect(await list(w.tokens.coordinator, 'owner=my_units')).toEqual([]);
  });

  it('combines with the other filters and refuses an unknown value at its field', async () => {
    expect(await list(w.tokens.owner, 'owner=my_units&overdue=true')).toEqual([]);
    expect(await list(w.tokens.owner, 'owner=me&status=open&sourceType=drill')).toEqual([ids.owner]);
    await moveClock(t, w, '2026-07-01T09:00:00Z');
    // The owner's unit has nothing overdue until the clocks fire; then the overdue filter narrows "my unit".
    await t.db.query(`UPDATE corrective_actions SET overdue = true WHERE id = ANY($1)`, [[ids.unit, ids.other]]);
    expect(await list(w.tokens.owner, 'owner=my_units&overdue=true')).toEqual([ids.unit]);
    const bad = await t.http().get('/api/corrective-actions?owner=everyone').set(auth(w.tokens.owner));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('owner');
  });
});
