import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { afterActionBody, moveClock, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { startDeadlineFiring, type DeadlineFiring } from './support/deadline-firing.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as ok } from './support/http.js';

const DAY = 86_400_000;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('business continuity through the HTTP API', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let firing: DeadlineFiring;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedContinuityWorld(t);
    firing = await startDeadlineFiring(t);
  });
  afterAll(async () => {
    await firing.close();
    await t.close();
  });

  const createPlan = async (overrides: Record<string, unknown> = {}) =>
    ok(await t.http().post('/api/continuity/plans').set(auth(w.tokens.coordinator)).send(planBody(overrides)), 201);
  const setProgramme = async (planId: string, body: Record<string, unknown>) =>
    ok(await t.http().put(`/api/continuity/plans/${planId}/programme`).set(auth(w.tokens.coordinator)).send(body));
  const drill = async (id: string, token = w.tokens.coordinator) => ok(await t.http().get(`/api/drills/${id}`).set(auth(token)));
  const event = async (id: string, body: Record<string, unknown>, token = w.tokens.coordinator) => {
    const current = await drill(id, token);
    return t.http().post(`/api/drills/${id}/events`).set(auth(token)).set('If-Match', String(current.version)).send(body);
  };
  const outbox = async (aggregateId: string, template?: string) =>
    (
      await t.db.query(
        `SELECT template, audience, payload, created_at FROM outbox WHERE aggregate_id = $1 AND ($2::text IS NULL OR template = $2) ORDER BY created_at`,
        [aggregateId, template ?? null],
      )
    ).rows;

  it('refuses a plan whose RTO is not below its MTPD, naming the field and the rule, and stores nothing', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM continuity_plans')).rows[0].n;
    const res = await t
      .http()
      .post('/api/continuity/plans')
      .set(auth(w.tokens.coordinator))
      .set('Accept-Language', 'en')
      .send(
        planBody({
          impactAnalysis: [{ service: 'e-services portal', hazard: 'flood', impact: 'ground floor flooded', mtpd: 'P1D', rto: 'PT24H', rpo: 'PT1H' }],
        }),
      );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'impactAnalysis[0].rto', rule: 'rtoBelowMtpd' })]));
    expect(res.body.title).toBe('The request is not valid');
    expect((await t.db.query('SELECT count(*)::int AS n FROM continuity_plans')).rows[0].n).toBe(before);
  });

  it('keeps every version with author and reason, shows a diff, and refuses a stale edit', async () => {
    const plan = await createPlan();
    expect(plan).toMatchObject({ reference: expect.stringMatching(/^SUB-BCP-\d{3}$/), version: 1, reviewOverdue: false });
    const stale = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}`)
      .set(auth(w.tokens.coordinator))
      .set('If-Match', '7')
      .send({ ...planBody(), changeReason: 'x' });
    expect(stale.status).toBe(409);
    const noReason = await t.http().put(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.coordinator)).set('If-Match', '1').send(planBody());
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'changeReason', rule: 'required' })]);
    const v2 = ok(
      await t
        .http()
        .put(`/api/continuity/plans/${plan.id}`)
        .set(auth(w.tokens.ciso))
        .set('If-Match', '1')
        .send({ ...planBody({ activationCriteria: ['portal unavailable for more than 1 hour'] }), changeReason: 'tighter activation after the 2026 audit' }),
    );
    expect(v2.version).toBe(2);
    const versions = ok(await t.http().get(`/api/continuity/plans/${plan.id}/versions`).set(auth(w.tokens.responder)));
    expect(versions.items.map((v: any) => [v.version, v.changeReason, v.authorId])).toEqual([
      [2, 'tighter activation after the 2026 audit', w.users.ciso],
      [1, 'initial version', w.users.coordinator],
    ]);
    const v1 = ok(await t.http().get(`/api/continuity/plans/${plan.id}/versions/1`).set(auth(w.tokens.responder)));
    expect(v1.document.activationCriteria).toEqual(planBody().activationCriteria);
    const diff = ok(await t.http().get(`/api/continuity/plans/${plan.id}/diff?from=1&to=2`).set(auth(w.tokens.responder)));
    expect(diff.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ op: 'replace', path: '/activationCriteria/0', from: 'portal unavailable for more than 2 hours' })]),
    );
    const audit = await t.db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [plan.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['continuity.plan.create', 'continuity.plan.update']);
  });

  it('lets the superior CISO and auditors read, hides plans from others, and lets only coordinators and the CISO edit', async () => {
    const plan = await createPlan();
    ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.supCiso)));
    ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.auditor)));
    expect((await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.supCoordinator))).status).toBe(404);
    expect((await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.reporter))).status).toBe(403);
    expect((await t.http().post('/api/continuity/plans').set(auth(w.tokens.responder)).send(planBody())).status).toBe(403);
    const superiorEdit = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}`)
      .set(auth(w.tokens.supCiso))
      .set('If-Match', '1')
      .send({ ...planBody(), changeReason: 'x' });
    expect(superiorEdit.status).toBe(403);
  });

  it('schedules the next drill of a yearly programme, reminds at 30, 7 and 1 days, and escalates a drill not started once', async () => {
    await moveClock(t, w, '2026-03-02T01:00:00Z');
    const plan = await createPlan();
    const programme = await setProgramme(plan.id, { rrule: 'DTSTART;TZID=Asia/Taipei:20260415T090000\nRRULE:FREQ=YEARLY', drillType: 'tabletop' });
    expect(programme.upcoming).toEqual(['2026-04-15T01:00:00.000Z', '2027-04-15T01:00:00.000Z']);
    expect(programme.nextDrill).toMatchObject({ scheduledFor: '2026-04-15T01:00:00.000Z', state: 'scheduled' });
    const id = programme.nextDrill.id;
    const scheduled = await drill(id);
    expect(scheduled).toMatchObject({ state: 'scheduled', drillType: 'tabletop', fromProgramme: true, plan: { id: plan.id } });
    expect(scheduled.deadlines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'start', dueAt: '2026-04-15T01:00:00.000Z', status: 'pending' }),
        expect.objectContaining({ kind: 'reminder', dueAt: '2026-03-16T01:00:00.000Z', status: 'pending' }),
      ]),
    );

    // A minute early: nothing. Then each reminder at its time, exactly once.
    await moveClock(t, w, '2026-03-16T00:59:00Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === id)).toEqual([]);
    const reminderTimes: string[] = [];
    for (const at of ['2026-03-16T01:00:00Z', '2026-04-08T01:00:00Z', '2026-04-14T01:00:00Z']) {
      await moveClock(t, w, at);
      const fired = (await firing.fireDue()).filter((f) => f.subjectId === id);
      expect(fired.map((f) => [f.kind, f.outcome])).toEqual([['reminder', 'fired']]);
      reminderTimes.push(new Date(at).toISOString());
    }
    const reminders = await outbox(id, 'drill.reminder');
    const history = ok(await t.http().get(`/api/drills/${id}/notifications`).set(auth(w.tokens.coordinator)));
    expect(history.items.filter((n: any) => n.template === 'drill.reminder')).toHaveLength(3);
    expect(history.items[0]).toMatchObject({ status: 'pending', deliveries: [] });
    expect(reminders.map((r) => r.created_at.toISOString())).toEqual(reminderTimes);
    expect(reminders[0].payload).toMatchObject({ isDrill: true, tlp: 'GREEN', dueAt: '2026-04-15T01:00:00.000Z' });

    // Not started by its date: overdue, escalated once to the coordinator and the CISO.
    await moveClock(t, w, '2026-04-15T02:00:00Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === id).map((f) => [f.kind, f.outcome])).toEqual([['start', 'fired']]);
    await moveClock(t, w, new Date(t.clock.now().getTime() + DAY));
    expect((await firing.fireDue()).filter((f) => f.subjectId === id)).toEqual([]);
    const overdue = await drill(id);
    expect(overdue.state).toBe('overdue');
    const escalations = await outbox(id, 'drill.overdue');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].audience).toEqual(
      expect.arrayContaining([
        { kind: 'role', role: 'continuity_coordinator' },
        { kind: 'role', role: 'ciso' },
      ]),
    );
    expect((await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1 AND action = 'drill.deadline_breached'`, [id])).rows[0].n).toBe(
      1,
    );

    // Starting it late schedules the next year's drill of the programme.
    ok(await event(id, { type: 'START' }));
    const next = ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.coordinator))).nextDrill;
    expect(next).toMatchObject({ scheduledFor: '2027-04-15T01:00:00.000Z', state: 'scheduled' });
  });

  it('runs a drill to closed with an after-action report whose corrective actions are done and verified', async () => {
    await moveClock(t, w, '2026-05-04T01:00:00Z');
    const plan = await createPlan();
    const { nextDrill } = await setProgramme(plan.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20260601T140000\nRRULE:FREQ=YEARLY',
      drillType: 'functional',
      reminders: [],
    });
    const id = nextDrill.id;
    await moveClock(t, w, '2026-06-01T06:00:00Z');
    ok(await event(id, { type: 'START' }, w.tokens.responder));
    ok(await event(id, { type: 'RECORD_PARTICIPANT', name: 'Lin', role: 'network engineer', organisation: 'IT unit' }, w.tokens.responder));
    ok(
      await event(
        id,
        { type: 'RECORD_OBSERVATION', text: 'failover runbook step 4 is missing the DNS change', capability: 'infrastructure systems' },
        w.tokens.responder,
      ),
    );
    const debrief = ok(await event(id, { type: 'COMPLETE', summary: 'failover done in 5h' }, w.tokens.responder));
    expect(debrief).toMatchObject({
      state: 'debrief',
      participants: [expect.objectContaining({ name: 'Lin' })],
      observations: [expect.objectContaining({ capability: 'infrastructure systems' })],
    });
    expect(debrief.deadlines).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'after_action', dueAt: '2026-07-01T06:00:00.000Z', status: 'pending' })]),
    );

    // A responder may run the drill but not submit its report.
    expect((await event(id, { type: 'SUBMIT_AFTER_ACTION', report: afterActionBody() }, w.tokens.responder)).status).toBe(403);
    const badReport = await event(id, {
      type: 'SUBMIT_AFTER_ACTION',
      report: afterActionBody({ capabilities: [{ capability: 'x', rating: 'Q' }], correctiveActions: [{ title: 'x', dueAt: '2020-01-01T00:00:00Z' }] }),
    });
    expect(badReport.status).toBe(400);
    expect(badReport.body.errors.map((e: any) => `${e.field}:${e.rule}`)).toEqual(
      expect.arrayContaining([
        'report.capabilities[0].rating:isIn',
        'report.correctiveActions[0].dueAt:future',
        'report.correctiveActions[0].ownerUserId:ownerRequired',
      ]),
    );
    const improvement = ok(
      await event(id, {
        type: 'SUBMIT_AFTER_ACTION',
        report: afterActionBody({
          correctiveActions: [{ title: 'add the DNS change to the failover runbook', ownerUserId: w.users.owner, dueAt: '2026-08-01T00:00:00+08:00' }],
        }),
      }),
    );
    expect(improvement.state).toBe('improvement');
    expect(improvement.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'after_action', status: 'met' })]));
    expect(improvement.correctiveActions).toHaveLength(1);
    const actionId = improvement.correctiveActions[0].id;
    expect(await outbox(actionId, 'corrective_action.assigned')).toEqual([expect.objectContaining({ audience: [{ kind: 'user', userId: w.users.owner }] })]);

    const blocked = await event(id, { type: 'CLOSE' });
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toBe('演練無法結案：尚有 1 項矯正措施未經確認');

    const action = ok(await t.http().get(`/api/corrective-actions/${actionId}`).set(auth(w.tokens.owner)));
    expect(action).toMatchObject({ status: 'open', source: { type: 'drill', id }, dueAt: '2026-07-31T16:00:00.000Z' });
    const strangerDone = await t
      .http()
      .patch(`/api/corrective-actions/${actionId}`)
      .set(auth(w.tokens.responder))
      .set('If-Match', '1')
      .send({ status: 'done' });
    expect(strangerDone.status).toBe(403);
    const done = ok(
      await t
        .http()
        .patch(`/api/corrective-actions/${actionId}`)
        .set(auth(w.tokens.owner))
        .set('If-Match', '1')
        .send({ status: 'done', note: 'runbook v3 published' }),
    );
    expect(done).toMatchObject({ status: 'done', doneBy: w.users.owner });
    const mine = ok(await t.http().get('/api/corrective-actions?mine=true').set(auth(w.tokens.owner)));
    expect(mine.items.map((a: any) => a.id)).toContain(actionId);
    ok(
      await t
        .http()
        .patch(`/api/corrective-actions/${actionId}`)
        .set(auth(w.tokens.coordinator))
        .set('If-Match', String(done.version))
        .send({ status: 'verified' }),
    );

    const closed = ok(await event(id, { type: 'CLOSE' }));
    expect(closed.state).toBe('closed');
    const timeline = ok(await t.http().get(`/api/drills/${id}/timeline`).set(auth(w.tokens.auditor)));
    expect(timeline.items.length).toBeGreaterThanOrEqual(6);
  });

  it('escalates an overdue after-action report once', async () => {
    await moveClock(t, w, '2026-09-01T01:00:00Z');
    const plan = await createPlan();
    const { nextDrill } = await setProgramme(plan.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20260910T090000\nRRULE:FREQ=YEARLY',
      drillType: 'tabletop',
      reminders: [],
    });
    await moveClock(t, w, '2026-09-10T01:00:00Z');
    ok(await event(nextDrill.id, { type: 'START' }));
    ok(await event(nextDrill.id, { type: 'COMPLETE' }));
    await moveClock(t, w, '2026-10-10T01:00:01Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === nextDrill.id).map((f) => [f.kind, f.outcome])).toEqual([['after_action', 'fired']]);
    await moveClock(t, w, new Date(t.clock.now().getTime() + 10 * DAY));
    expect((await firing.fireDue()).filter((f) => f.subjectId === nextDrill.id)).toEqual([]);
    const late = await drill(nextDrill.id);
    expect(late).toMatchObject({ state: 'debrief', afterActionOverdue: true });
    expect(await outbox(nextDrill.id, 'drill.after_action_overdue')).toHaveLength(1);
  });

  it('keeps a drill whose report says the plan must change in improvement until a new plan version references it', async () => {
    await moveClock(t, w, '2026-11-02T01:00:00Z');
    const plan = await createPlan();
    const { nextDrill } = await setProgramme(plan.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20261110T090000\nRRULE:FREQ=YEARLY',
      drillType: 'full_scale',
      reminders: ['P1D'],
    });
    const id = nextDrill.id;
    await moveClock(t, w, '2026-11-10T01:00:00Z');
    ok(await event(id, { type: 'START' }));
    ok(await event(id, { type: 'COMPLETE' }));
    ok(await event(id, { type: 'SUBMIT_AFTER_ACTION', report: afterActionBody({ planChangeRequired: true }) }));
    const blocked = await event(id, { type: 'CLOSE' });
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toMatch(/計畫必須修訂/);
    expect(blocked.body.allowedEvents.map((e: any) => e.type)).not.toContain('CLOSE');

    // A version that names another plan's drill, or none, does not unblock it.
    const other = await createPlan();
    const wrong = await t
      .http()
      .put(`/api/continuity/plans/${other.id}`)
      .set(auth(w.tokens.coordinator))
      .set('If-Match', '1')
      .send({ ...planBody(), changeReason: 'x', addressesDrillIds: [id] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.objectContaining({ field: 'addressesDrillIds[0]', rule: 'drillOfPlan' })]);
    ok(
      await t
        .http()
        .put(`/api/continuity/plans/${plan.id}`)
        .set(auth(w.tokens.coordinator))
        .set('If-Match', '1')
        .send({ ...planBody(), changeReason: 'typo' }),
    );
    expect((await event(id, { type: 'CLOSE' })).status).toBe(422);

    const v3 = ok(
      await t
        .http()
        .put(`/api/continuity/plans/${plan.id}`)
        .set(auth(w.tokens.coordinator))
        .set('If-Match', '2')
        .send({
          ...planBody({ contacts: [{ name: 'New duty desk', function: 'failover', phone: '+886-2-1111-1111' }] }),
          changeReason: 'drill finding: contacts',
          addressesDrillIds: [id],
        }),
    );
    expect(v3.version).toBe(3);
    expect((await drill(id)).planUpdate).toMatchObject({ planVersion: 3 });
    expect(ok(await event(id, { type: 'CLOSE' })).state).toBe('closed');
  });

  it('escalates a plan not reviewed within a year once, and a new version clears it', async () => {
    await moveClock(t, w, '2026-01-05T01:00:00Z');
    const plan = await createPlan();
    expect(plan.reviewDueAt).toBe('2027-01-05T01:00:00.000Z');
    await moveClock(t, w, '2027-01-05T01:00:01Z');
    const fired = (await firing.fireDue()).filter((f) => f.subjectId === plan.id);
    expect(fired.map((f) => f.outcome)).toContain('fired');
    await moveClock(t, w, new Date(t.clock.now().getTime() + 30 * DAY));
    await firing.fireDue();
    expect(await outbox(plan.id, 'plan.review_overdue')).toHaveLength(1);
    expect(ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.ciso))).reviewOverdue).toBe(true);
    const reviewed = ok(
      await t
        .http()
        .put(`/api/continuity/plans/${plan.id}`)
        .set(auth(w.tokens.ciso))
        .set('If-Match', '1')
        .send({ ...planBody(), changeReason: 'yearly review' }),
    );
    expect(reviewed).toMatchObject({ reviewOverdue: false, reviewDueAt: '2028-02-04T01:00:01.000Z' });
  });

  it('tracks a corrective action from an incident improvement report: reminder to the owner, one escalation when overdue, four-eyes verification', async () => {
    await moveClock(t, w, '2027-02-01T01:00:00Z');
    const filed = await t
      .http()
      .post('/api/incidents')
      .set(auth(w.tokens.reporter))
      .set('Idempotency-Key', `ca-${Date.now()}`)
      .send({
        title: 'phishing mail',
        description: 'staff received phishing',
        category: 'other',
        awareAt: new Date(t.clock.now().getTime() - 60_000).toISOString(),
        impact: { confidentiality: 1, integrity: 1, availability: 1 },
        classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
      });
    expect(filed.status).toBe(201);
    const body = {
      sourceType: 'incident',
      sourceId: filed.body.id,
      title: 'phishing awareness training',
      ownerUserId: w.users.owner,
      dueAt: '2027-03-01T00:00:00Z',
    };
    expect((await t.http().post('/api/corrective-actions').set(auth(w.tokens.responder)).send(body)).status).toBe(403);
    const bad = await t
      .http()
      .post('/api/corrective-actions')
      .set(auth(w.tokens.coordinator))
      .send({ ...body, dueAt: '2020-01-01T00:00:00Z', ownerUserId: undefined });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => `${e.field}:${e.rule}`)).toEqual(expect.arrayContaining(['dueAt:future', 'ownerUserId:ownerRequired']));
    const action = ok(await t.http().post('/api/corrective-actions').set(auth(w.tokens.coordinator)).send(body), 201);
    expect(action).toMatchObject({ status: 'open', overdue: false, source: { type: 'incident', id: filed.body.id } });
    expect(action.deadlines.map((d: any) => [d.kind, d.dueAt])).toEqual([
      ['due_soon', '2027-02-22T00:00:00.000Z'],
      ['due', '2027-03-01T00:00:00.000Z'],
    ]);

    await moveClock(t, w, '2027-02-22T00:00:00Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === action.id).map((f) => [f.kind, f.outcome])).toEqual([['due_soon', 'fired']]);
    const soon = await outbox(action.id, 'corrective_action.due_soon');
    expect(soon).toEqual([expect.objectContaining({ audience: [{ kind: 'user', userId: w.users.owner }] })]);
    expect(soon[0].payload).toMatchObject({ tlp: 'AMBER', dataLevel: 'sensitive' });
    expect(JSON.stringify(soon[0].payload)).not.toContain('phishing awareness');

    await moveClock(t, w, '2027-03-01T00:00:01Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === action.id).map((f) => [f.kind, f.outcome])).toEqual([['due', 'fired']]);
    await moveClock(t, w, '2027-03-09T00:00:00Z');
    expect((await firing.fireDue()).filter((f) => f.subjectId === action.id)).toEqual([]);
    const overdue = ok(await t.http().get(`/api/corrective-actions/${action.id}`).set(auth(w.tokens.coordinator)));
    expect(overdue).toMatchObject({ overdue: true, status: 'open' });
    const escalated = await outbox(action.id, 'corrective_action.overdue');
    expect(escalated).toHaveLength(1);
    expect(escalated[0].audience).toEqual(
      expect.arrayContaining([
        { kind: 'user', userId: w.users.owner },
        { kind: 'role', role: 'ciso' },
      ]),
    );
    const metrics = await t.http().get('/metrics');
    expect(metrics.text).toMatch(/^corrective_actions_overdue 1$/m);
    expect(metrics.text).toMatch(/^deadlines\{subject="corrective_action",status="breached"\} 1$/m);
    expect(metrics.text).toMatch(/^drills\{state="closed"\} [1-9]\d*$/m);
    const listed = ok(await t.http().get('/api/corrective-actions?overdue=true&sourceType=incident').set(auth(w.tokens.ciso)));
    expect(listed.items.map((a: any) => a.id)).toEqual([action.id]);

    // The coordinator finishes it; the coordinator cannot also verify it; the CISO does.
    const done = ok(
      await t
        .http()
        .patch(`/api/corrective-actions/${action.id}`)
        .set(auth(w.tokens.coordinator))
        .set('If-Match', String(overdue.version))
        .send({ status: 'done' }),
    );
    const selfVerify = await t
      .http()
      .patch(`/api/corrective-actions/${action.id}`)
      .set(auth(w.tokens.coordinator))
      .set('If-Match', String(done.version))
      .send({ status: 'verified' });
    expect(selfVerify.status).toBe(422);
    expect(selfVerify.body).toMatchObject({
      status: 422,
      rule: 'fourEyes',
      currentStatus: 'done',
      errors: [{ field: 'status', rule: 'fourEyes', message: expect.any(String) }],
    });
    const stale = await t
      .http()
      .patch(`/api/corrective-actions/${action.id}`)
      .set(auth(w.tokens.ciso))
      .set('If-Match', String(overdue.version))
      .send({ status: 'verified' });
    expect(stale.status).toBe(409);
    const verified = ok(
      await t.http().patch(`/api/corrective-actions/${action.id}`).set(auth(w.tokens.ciso)).set('If-Match', String(done.version)).send({ status: 'verified' }),
    );
    expect(verified).toMatchObject({ status: 'verified', verifiedBy: w.users.ciso, doneBy: w.users.coordinator });
    const audit = await t.db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY seq`, [action.id]);
    expect(audit.rows.map((r) => r.action)).toEqual([
      'corrective_action.create',
      'corrective_action.overdue',
      'corrective_action.update',
      'corrective_action.update',
    ]);
  });

  it('schedules an extra drill by hand, and a cancelled programme drill makes way for the next occurrence', async () => {
    await moveClock(t, w, '2027-04-01T01:00:00Z');
    const plan = await createPlan();
    const bad = await t
      .http()
      .post(`/api/continuity/plans/${plan.id}/drills`)
      .set(auth(w.tokens.coordinator))
      .send({ scheduledFor: '2020-01-01T00:00:00Z', drillType: 'chess', reminders: ['soon'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => `${e.field}:${e.rule}`).sort()).toEqual(['drillType:isIn', 'reminders[0]:isoDuration', 'scheduledFor:future']);
    expect(
      (
        await t
          .http()
          .post(`/api/continuity/plans/${plan.id}/drills`)
          .set(auth(w.tokens.responder))
          .send({ scheduledFor: '2027-05-01T09:00:00+08:00', drillType: 'functional' })
      ).status,
    ).toBe(403);
    const extra = ok(
      await t
        .http()
        .post(`/api/continuity/plans/${plan.id}/drills`)
        .set(auth(w.tokens.coordinator))
        .send({ scheduledFor: '2027-05-01T09:00:00+08:00', drillType: 'functional', reminders: ['P7D'] }),
      201,
    );
    expect(extra).toMatchObject({
      reference: expect.stringMatching(/^SUB-DRL-2027-\d{4}$/),
      fromProgramme: false,
      state: 'scheduled',
      scheduledFor: '2027-05-01T01:00:00.000Z',
    });
    expect(extra.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'reminder', dueAt: '2027-04-24T01:00:00.000Z' })]));

    const { nextDrill } = await setProgramme(plan.id, { rrule: 'DTSTART;TZID=Asia/Taipei:20270601T090000\nRRULE:FREQ=YEARLY', drillType: 'tabletop' });
    const cancelled = ok(await event(nextDrill.id, { type: 'CANCEL', reason: 'merged into the May functional drill' }));
    expect(cancelled).toMatchObject({ state: 'cancelled', cancellation: expect.objectContaining({ reason: 'merged into the May functional drill' }) });
    expect(cancelled.deadlines.every((d: any) => d.status !== 'pending')).toBe(true);
    const after = ok(await t.http().get(`/api/continuity/plans/${plan.id}/programme`).set(auth(w.tokens.coordinator)));
    expect(after.nextDrill).toMatchObject({ scheduledFor: '2028-06-01T01:00:00.000Z', occurrenceAt: '2028-06-01T01:00:00.000Z' });
    const listed = ok(await t.http().get(`/api/drills?planId=${plan.id}&from=2027-01-01T00:00:00Z&to=2029-01-01T00:00:00Z`).set(auth(w.tokens.auditor)));
    expect(listed.items.map((d: any) => [d.scheduledFor, d.state])).toEqual([
      ['2027-05-01T01:00:00.000Z', 'scheduled'],
      ['2027-06-01T01:00:00.000Z', 'cancelled'],
      ['2028-06-01T01:00:00.000Z', 'scheduled'],
    ]);
    const tooLong = await t.http().get(`/api/drills?from=2020-01-01T00:00:00Z&to=2029-01-01T00:00:00Z`).set(auth(w.tokens.auditor));
    expect(tooLong.status).toBe(400);
  });

  it('withholds a restricted plan’s content from readers without clearance, and lets plain staff see only the actions they own', async () => {
    await moveClock(t, w, '2027-06-01T01:00:00Z');
    const plan = await createPlan({ title: 'Secret failover site plan', classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
    const asAdmin = ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.admin)));
    expect(asAdmin).toMatchObject({ reference: plan.reference, redacted: true, title: null, document: null });
    expect(JSON.stringify(asAdmin)).not.toContain('Secret failover');
    expect((await t.http().get(`/api/continuity/plans/${plan.id}/versions/1`).set(auth(w.tokens.admin))).status).toBe(403);
    expect((await t.http().get(`/api/continuity/plans/${plan.id}/diff?from=1&to=1`).set(auth(w.tokens.admin))).status).toBe(403);
    expect(ok(await t.http().get(`/api/continuity/plans/${plan.id}`).set(auth(w.tokens.responder)))).toMatchObject({
      redacted: false,
      title: 'Secret failover site plan',
    });

    const extra = ok(
      await t
        .http()
        .post(`/api/continuity/plans/${plan.id}/drills`)
        .set(auth(w.tokens.coordinator))
        .send({ scheduledFor: '2027-06-10T09:00:00+08:00', drillType: 'tabletop', reminders: [] }),
      201,
    );
    // Actions are added while the drill is in debrief or improvement, not before it ran.
    const early = await t
      .http()
      .post('/api/corrective-actions')
      .set(auth(w.tokens.coordinator))
      .send({ sourceType: 'drill', sourceId: extra.id, title: 'x', ownerUserId: w.users.staff, dueAt: '2027-09-01T00:00:00Z' });
    expect(early.status).toBe(422);
    await moveClock(t, w, '2027-06-10T01:00:00Z');
    ok(await event(extra.id, { type: 'START' }));
    ok(await event(extra.id, { type: 'RECORD_OBSERVATION', text: 'the secret site key was missing' }));
    ok(await event(extra.id, { type: 'COMPLETE' }));
    const improvement = ok(
      await event(extra.id, {
        type: 'SUBMIT_AFTER_ACTION',
        report: afterActionBody({
          correctiveActions: [
            { title: 'store the secret site key in the safe', ownerUserId: w.users.staff, dueAt: '2027-09-01T00:00:00Z' },
            { title: 'second key holder', ownerUserId: w.users.owner, dueAt: '2027-09-01T00:00:00Z' },
          ],
        }),
      }),
    );
    const drillAsAdmin = ok(await t.http().get(`/api/drills/${extra.id}`).set(auth(w.tokens.admin)));
    expect(drillAsAdmin).toMatchObject({ redacted: true, afterAction: null, observations: null, plan: { title: null } });
    const timelineAsAdmin = ok(await t.http().get(`/api/drills/${extra.id}/timeline`).set(auth(w.tokens.admin)));
    expect(JSON.stringify(timelineAsAdmin)).not.toContain('secret site key');

    const actions = await Promise.all(
      improvement.correctiveActions.map(async (a: any) => ok(await t.http().get(`/api/corrective-actions/${a.id}`).set(auth(w.tokens.coordinator)))),
    );
    const mine = actions.find((a) => a.ownerUserId === w.users.staff).id;
    const theirs = actions.find((a) => a.ownerUserId === w.users.owner).id;
    const staffList = ok(await t.http().get('/api/corrective-actions').set(auth(w.tokens.staff)));
    expect(staffList.items.map((a: any) => a.id)).toEqual([mine]);
    expect(staffList.items[0].title).toBe('store the secret site key in the safe');
    expect((await t.http().get(`/api/corrective-actions/${theirs}`).set(auth(w.tokens.staff))).status).toBe(404);
    expect(
      (await t.http().patch(`/api/corrective-actions/${theirs}`).set(auth(w.tokens.staff)).set('If-Match', '1').send({ note: 'overwritten' })).status,
    ).toBe(404);
    ok(
      await t
        .http()
        .patch(`/api/corrective-actions/${mine}`)
        .set(auth(w.tokens.staff))
        .set('If-Match', '1')
        .send({ status: 'in_progress', note: 'safe ordered' }),
    );
    const adminView = ok(await t.http().get(`/api/corrective-actions?sourceId=${extra.id}`).set(auth(w.tokens.admin)));
    expect(adminView.items.map((a: any) => a.title)).toEqual([null, null]);
    const audited = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'corrective_action.create' AND target_id = ANY($1)`, [
      [mine, theirs],
    ]);
    expect(audited.rows[0].n).toBe(2);
  });

  it('keeps an overdue drill when the programme changes, and schedules the new programme’s next drill beside it', async () => {
    await moveClock(t, w, '2027-07-01T01:00:00Z');
    const plan = await createPlan();
    const first = await setProgramme(plan.id, { rrule: 'DTSTART;TZID=Asia/Taipei:20270710T090000\nRRULE:FREQ=YEARLY', drillType: 'tabletop', reminders: [] });
    await moveClock(t, w, '2027-07-11T01:00:00Z');
    await firing.fireDue();
    expect((await drill(first.nextDrill.id)).state).toBe('overdue');
    const second = await setProgramme(plan.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20271001T090000\nRRULE:FREQ=YEARLY',
      drillType: 'functional',
      reminders: [],
    });
    expect(second.nextDrill).toMatchObject({ scheduledFor: '2027-10-01T01:00:00.000Z', state: 'scheduled' });
    expect((await drill(first.nextDrill.id)).state).toBe('overdue');
  });

  it('refuses bad drill events and programmes with a 4xx naming the field, changing nothing', async () => {
    await moveClock(t, w, '2026-12-01T01:00:00Z');
    const plan = await createPlan();
    const tooRare = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .send({ rrule: 'FREQ=YEARLY;INTERVAL=3', drillType: 'tabletop' });
    expect(tooRare.status).toBe(400);
    expect(tooRare.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'rrule', rule: 'drillInterval' })]));
    const badWindow = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .send({ rrule: 'FREQ=YEARLY', drillType: 'tabletop', afterActionWindow: 'P2M' });
    expect(badWindow.body.errors).toEqual([expect.objectContaining({ field: 'afterActionWindow', rule: 'withinOneMonth' })]);
    const { nextDrill } = await setProgramme(plan.id, { rrule: 'FREQ=YEARLY', drillType: 'tabletop' });
    const before = await drill(nextDrill.id);
    for (const [body, field] of [
      [{ type: 'FLY' }, 'type'],
      [{ type: 'START', extra: 1 }, 'extra'],
      [{ type: 'RESCHEDULE', date: 'tomorrow', reason: 'x' }, 'date'],
      [{ type: 'RESCHEDULE', date: '2020-01-01T00:00:00Z', reason: 'x' }, 'date'],
      [{ type: 'CANCEL', reason: '   ' }, 'reason'],
      [{ type: 'CLOSE', openCorrectiveActions: 0 }, 'openCorrectiveActions'],
    ] as const) {
      const res = await event(nextDrill.id, body as Record<string, unknown>);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    }
    const notNow = await event(nextDrill.id, { type: 'COMPLETE' });
    expect(notNow.status).toBe(422);
    expect(notNow.body.allowedEvents.map((e: any) => e.type)).toEqual(expect.arrayContaining(['START', 'CANCEL', 'RESCHEDULE']));
    expect((await t.http().post(`/api/drills/${nextDrill.id}/events`).set(auth(w.tokens.coordinator)).send({ type: 'START' })).status).toBe(428);
    const after = await drill(nextDrill.id);
    expect(after.version).toBe(before.version);

    const moved = ok(await event(nextDrill.id, { type: 'RESCHEDULE', date: '2027-01-20T09:00:00+08:00', reason: 'typhoon season ends later' }));
    expect(moved).toMatchObject({ state: 'scheduled', scheduledFor: '2027-01-20T01:00:00.000Z', occurrenceAt: before.occurrenceAt });
    expect(moved.deadlines).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'start', dueAt: '2027-01-20T01:00:00.000Z', status: 'pending' })]));
  });
});
