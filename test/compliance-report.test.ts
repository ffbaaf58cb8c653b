import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, send } from './support/incident-fixture.js';
import { afterActionBody, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('GET /api/reports/compliance', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let oth: string;
  let manager: string;
  let othCoordinator: string;
  let plan: { id: string; reference: string };
  let amber: { id: string; reference: string };
  let supPlan: { id: string; reference: string };
  let defaultYear: { status: number; body: Record<string, unknown> };
  let unreported: { id: string };

  const report = (token: string, query: Record<string, string> = {}) => t.http().get('/api/reports/compliance').query(query).set(auth(token));
  const ok = async (res: { status: number; body: any }) => {
    if (res.status !== 200 && res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const createPlan = async (token: string, overrides: Record<string, unknown> = {}) =>
    ok(await t.http().post('/api/continuity/plans').set(auth(token)).send(planBody(overrides))) as Promise<{ id: string; reference: string }>;
  const drillEvent = async (token: string, drillId: string, body: Record<string, unknown>) => {
    const current = await ok(await t.http().get(`/api/drills/${drillId}`).set(auth(token)));
    return ok(await t.http().post(`/api/drills/${drillId}/events`).set(auth(token)).set('If-Match', String(current.version)).send(body));
  };
  /** Sets a yearly programme and runs its first drill on its date: START, COMPLETE. */
  const runFirstDrill = async (token: string, planId: string, dtstart: string, at: string) => {
    const programme = await ok(
      await t
        .http()
        .put(`/api/continuity/plans/${planId}/programme`)
        .set(auth(token))
        .send({ rrule: `DTSTART;TZID=Asia/Taipei:${dtstart}\nRRULE:FREQ=YEARLY`, drillType: 'tabletop' }),
    );
    t.clock.set(at);
    await drillEvent(token, programme.nextDrill.id, { type: 'START' });
    await drillEvent(token, programme.nextDrill.id, { type: 'COMPLETE', summary: 'exercise held' });
    return programme.nextDrill.id as string;
  };

  beforeAll(async () => {
    t = await createTestApp({ SESSION_TTL: 'P120D' });
    // 00:30 on 1 January 2026 in Taipei, still 2025 in UTC.
    t.clock.set('2025-12-31T16:30:00Z');
    w = await seedContinuityWorld(t);
    oth = await seedAgency(t.db, { code: 'OTH', level: 'C' });
    await seedUser(t, { agencyId: w.sub, email: 'manager@sub.gov.tw', roles: ['on_call_manager', 'reporter'] });
    await seedUser(t, { agencyId: oth, email: 'bcp@oth.gov.tw', roles: ['continuity_coordinator'] });
    manager = await login(t, 'manager@sub.gov.tw');
    othCoordinator = await login(t, 'bcp@oth.gov.tw');
    defaultYear = await report(w.tokens.ciso);

    t.clock.set('2026-03-02T01:00:00Z');
    // A real incident (level 2) reported to the superior within the hour.
    const reported = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await ok(await send(t, manager, reported.id, { type: 'ACKNOWLEDGE' }));
    await ok(await send(t, manager, reported.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
    await ok(await send(t, manager, reported.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    // A real level-3 incident nobody reports: late once the hour has passed.
    unreported = await fileIncident(t, w.tokens.reporter, { impact: { confidentiality: 1, integrity: 1, availability: 3 } });
    // The yearly incident reporting drill: filed as a drill, reported on time, never an incident statistic.
    const drill = await fileIncident(t, w.tokens.reporter, { isDrill: true, title: '演練 Drill: defacement' });
    await ok(await send(t, manager, drill.id, { type: 'ACKNOWLEDGE' }));
    await ok(await send(t, manager, drill.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
    await ok(await send(t, manager, drill.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));

    // Business continuity: a plan drilled on 10 March, its after-action report ten days later with a
    // corrective action; an AMBER plan never drilled; a plan of the superior agency (level A) drilled on 11 March.
    plan = await createPlan(w.tokens.coordinator);
    amber = await createPlan(w.tokens.coordinator, { title: 'SECRET-TITLE 機敏計畫', classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
    supPlan = await createPlan(w.tokens.supCoordinator, { title: 'SUP headquarters plan' });
    const drillId = await runFirstDrill(w.tokens.coordinator, plan.id, '20260310T090000', '2026-03-10T01:00:00Z');
    await runFirstDrill(w.tokens.supCoordinator, supPlan.id, '20260311T090000', '2026-03-11T01:00:00Z');
    t.clock.set('2026-03-20T01:00:00Z');
    await drillEvent(w.tokens.coordinator, drillId, {
      type: 'SUBMIT_AFTER_ACTION',
      report: afterActionBody({ correctiveActions: [{ title: 'update the call tree', ownerUserId: w.users.owner, dueAt: '2026-04-30T00:00:00Z' }] }),
    });
  });
  afterAll(() => t.close());

  it("defaults to the current year in the agency's time zone", () => {
    expect(defaultYear.status).toBe(200);
    expect(defaultYear.body).toMatchObject({ year: 2026, period: { from: '2026-01-01T00:00:00.000+08:00', to: '2027-01-01T00:00:00.000+08:00' } });
  });

  it('counts real incidents only, and the incident drill separately', async () => {
    const body = await ok(await report(w.tokens.ciso, { year: '2026' }));
    expect(body.agency).toMatchObject({ id: w.sub, code: 'SUB', responsibilityLevel: 'B', timezone: 'Asia/Taipei' });
    expect(body.incidents).toEqual({
      total: 2,
      byLevel: { '1': 0, '2': 1, '3': 1, '4': 0 },
      byCategory: { web_attack: 2, intrusion: 0, denial_of_service: 0, equipment_problem: 0, other: 0 },
      open: 2,
      closed: 0,
      dismissed: 0,
    });
    // One report within the hour; the other's hour has passed with no report (breached and open).
    expect(body.clocks.report).toEqual({ onTime: 1, late: 0, lateByMs: { total: 0, max: 0 }, running: 0, breachedOpen: 1 });
    expect(body.late).toMatchObject({ total: expect.any(Number), truncated: false });
    expect(body.late.items).toContainEqual(expect.objectContaining({ clock: 'report', level: 3, doneAt: null, agency: { id: w.sub, code: 'SUB' } }));
    expect(body.incidentDrills).toEqual({ count: 1, open: 1, closed: 0, dismissed: 0, agenciesHeld: 1, incidentDrillHeld: true });
  });

  it('reports plans, drills, after-action reports, corrective actions and per-plan drill compliance', async () => {
    const body = await ok(await report(w.tokens.coordinator, { year: '2026', agencyId: w.sub }));
    const c = body.continuity;
    expect(c).toMatchObject({ plans: 2, coreServices: 2, reviewsOverdue: 0, plansCompliant: 1, plansNonCompliant: 1 });
    // The 2027 drill the programme scheduled next is not a drill of 2026.
    expect(c.drills).toEqual({
      total: 1,
      scheduled: 0,
      overdue: 0,
      inProgress: 0,
      held: 1,
      closed: 0,
      cancelled: 0,
      byType: { tabletop: { required: 1, held: 1 }, functional: { required: 0, held: 0 }, full_scale: { required: 0, held: 0 } },
    });
    expect(c.afterActionReports).toEqual({ onTime: 1, late: 0, pending: 0, overdue: 0 });
    expect(c.correctiveActions).toEqual({ open: 1, overdue: 0, doneThisYear: 0, verifiedThisYear: 0 });
    const byRef = Object.fromEntries(c.perPlan.map((p: { reference: string }) => [p.reference, p]));
    expect(byRef[plan.reference]).toMatchObject({
      planId: plan.id,
      title: expect.stringContaining('E-services continuity plan'),
      coreServices: 1,
      drilledThisYear: true,
      drillInterval: 'P2Y',
      required: true,
      compliant: true,
    });
    expect(byRef[amber.reference]).toMatchObject({ planId: amber.id, title: null, drilledThisYear: false, required: true, compliant: false });
    expect(JSON.stringify(body)).not.toContain('SECRET-TITLE');
    // Drills never reach the incident statistics.
    expect(body.incidents.total).toBe(2);
  });

  it('a level-B plan drilled last year is compliant this year; a level-A plan must be drilled every year', async () => {
    const sub2027 = await ok(await report(w.tokens.ciso, { year: '2027' }));
    const byRef = Object.fromEntries(sub2027.continuity.perPlan.map((p: { reference: string }) => [p.reference, p]));
    expect(byRef[plan.reference]).toMatchObject({ drilledThisYear: false, drilledLastYear: true, required: false, compliant: true, drillInterval: 'P2Y' });
    expect(byRef[amber.reference]).toMatchObject({ required: true, compliant: false });
    expect(sub2027.continuity.drills).toMatchObject({ total: 1, scheduled: 1, held: 0 });
    expect(sub2027.incidents.total).toBe(0);
    expect(sub2027.incidentDrills.incidentDrillHeld).toBe(false);

    const sup2026 = await ok(await report(w.tokens.supCiso, { year: '2026' }));
    expect(sup2026.agency.responsibilityLevel).toBe('A');
    expect(sup2026.continuity.perPlan).toEqual([
      expect.objectContaining({ planId: supPlan.id, drilledThisYear: true, required: true, compliant: true, drillInterval: 'P1Y' }),
    ]);
    const sup2027 = await ok(await report(w.tokens.supCiso, { year: '2027' }));
    expect(sup2027.continuity.perPlan).toEqual([
      expect.objectContaining({ planId: supPlan.id, drilledThisYear: false, drilledLastYear: true, required: true, compliant: false }),
    ]);
  });

  it('an earlier year holds nothing of this one', async () => {
    const body = await ok(await report(w.tokens.ciso, { year: '2025' }));
    expect(body.incidents.total).toBe(0);
    expect(body.incidentDrills.count).toBe(0);
    expect(body.continuity.plans).toBe(0);
    expect(body.continuity.drills.total).toBe(0);
  });

  it('lets the superior agency and auditors read a subordinate; 404 outside the scope', async () => {
    expect((await ok(await report(w.tokens.supCiso, { agencyId: w.sub, year: '2026' }))).incidents.total).toBe(2);
    // The superior's own report rolls its subordinate up (issue 12: the Executive Yuan no longer sees zeros).
    const sup = await ok(await report(w.tokens.supCiso, { year: '2026' }));
    expect(sup).toMatchObject({ scope: 'subtree', incidents: { total: 0 }, total: { agencies: 2, incidents: { total: 2 } } });
    expect(sup.children).toEqual([
      expect.objectContaining({ agency: expect.objectContaining({ id: w.sub, code: 'SUB' }), incidents: expect.objectContaining({ total: 2 }) }),
    ]);
    expect(sup.total.clocks.report).toMatchObject({ onTime: 1, breachedOpen: 1 });
    expect((await ok(await report(w.tokens.auditor, { agencyId: w.sub, year: '2026' }))).continuity.plans).toBe(2);
    for (const [token, agencyId] of [
      [w.tokens.ciso, w.sup],
      [w.tokens.coordinator, oth],
      [othCoordinator, w.sub],
    ] as const) {
      const res = await report(token, { agencyId, year: '2026' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    }
    const unknown = await report(w.tokens.supCiso, { agencyId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
  });

  it('validates year and agencyId, and needs an oversight role', async () => {
    const year = await report(w.tokens.ciso, { year: 'abc' });
    expect(year.status).toBe(400);
    expect(year.body.errors).toEqual([expect.objectContaining({ field: 'year', rule: 'matches' })]);
    expect((await report(w.tokens.ciso, { year: '1969' })).status).toBe(400);
    expect((await report(w.tokens.ciso, { year: '2026.5' })).status).toBe(400);
    const agency = await report(w.tokens.ciso, { agencyId: 'not-a-uuid' });
    expect(agency.status).toBe(400);
    expect(agency.body.errors).toEqual([expect.objectContaining({ field: 'agencyId', rule: 'isUuid' })]);
    expect((await report(w.tokens.ciso, { colour: 'red' })).status).toBe(400);
    expect((await report(w.tokens.responder)).status).toBe(403);
    expect((await report(w.tokens.reporter)).status).toBe(403);
    expect((await t.http().get('/api/reports/compliance')).status).toBe(401);
  });
  it('counts a late report as late once it comes, with how late (the clock tally follows the rows)', async () => {
    const before = await ok(await report(w.tokens.ciso, { year: '2026' }));
    expect(before.clocks.report).toMatchObject({ onTime: 1, late: 0, breachedOpen: 1 });
    await ok(await send(t, manager, unreported.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 1, availability: 3 }, category: 'web_attack' }));
    await ok(await send(t, manager, unreported.id, { type: 'REPORT_TO_AUTHORITY', channel: 'phone', fallbackReason: '平台維護中 platform down' }));
    const { rows } = await t.db.query(
      `SELECT status, (extract(epoch FROM met_at - due_at) * 1000)::bigint AS late_ms FROM deadlines WHERE incident_id = $1 AND kind = 'report' AND status <> 'superseded'`,
      [unreported.id],
    );
    expect(rows).toEqual([{ status: 'met', late_ms: expect.any(String) }]);
    const lateMs = Number(rows[0].late_ms);
    expect(lateMs).toBeGreaterThan(17 * 24 * 3_600_000);
    const after = await ok(await report(w.tokens.ciso, { year: '2026' }));
    expect(after.clocks.report).toEqual({ onTime: 1, late: 1, lateByMs: { total: lateMs, max: lateMs }, running: 0, breachedOpen: 0 });
    expect(after.late.items).toContainEqual(expect.objectContaining({ clock: 'report', level: 3, lateByMs: lateMs }));
  });
});
