import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { seedOversight, type OversightSeed } from '../db/seed/oversight-seed.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

/*
 * Issue 12: the compliance report over an agency's whole subtree, on the shared deterministic
 * oversight seed (the bench's, at a small size). Every figure of the report (the agency's own,
 * each child's subtree, the total, the late list) is checked against the same figures counted here
 * in plain JS from the rows read back from the database, plus the seed's known cases: a
 * grandchild's late report in the root's and the child's roll-ups, and the Asia/Taipei year boundary.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const NOW = '2026-12-20T03:00:00Z';
const ZONE = 'Asia/Taipei';
const RULE_CLOCKS: Record<string, string> = {
  report: 'report',
  superior_review: 'superiorReview',
  recovery: 'recovery',
  improvement_report: 'improvementReport',
};
const HELD = ['in_progress', 'debrief', 'improvement', 'closed'];
const ms = (d: Date | null) => (d ? d.getTime() : NaN);

interface Rows {
  agencies: Array<{ id: string; code: string; name: string; parent_id: string | null; responsibility_level: string }>;
  incidents: Array<{ id: string; agency_id: string; reference: string; aware_at: Date; is_drill: boolean; level: number; category: string; state: string }>;
  deadlines: Array<{ subject_type: string; subject_id: string; kind: string; status: string; due_at: Date; met_at: Date | null; resolved_at: Date | null }>;
  drills: Array<{
    id: string;
    agency_id: string;
    plan_id: string;
    drill_type: string;
    occurrence_at: Date | null;
    scheduled_for: Date;
    state: string;
    completed_at: Date | null;
    after_action_submitted_at: Date | null;
  }>;
  plans: Array<{
    id: string;
    agency_id: string;
    created_at: Date;
    review_due_at: Date;
    review_overdue: boolean;
    document: { scope?: Array<{ core?: boolean }> };
  }>;
  actions: Array<{ agency_id: string; status: string; overdue: boolean; due_at: Date; done_at: Date | null; verified_at: Date | null }>;
}

async function readRows(t: TestApp): Promise<Rows> {
  const q = async (sql: string) => (await t.db.query(sql)).rows;
  return {
    agencies: await q('SELECT id, code, name, parent_id, responsibility_level FROM agencies'),
    incidents: await q('SELECT id, agency_id, reference, aware_at, is_drill, level, category, state FROM incidents'),
    deadlines: await q('SELECT subject_type, subject_id, kind, status, due_at, met_at, resolved_at FROM deadlines'),
    drills: await q('SELECT id, agency_id, plan_id, drill_type, occurrence_at, scheduled_for, state, completed_at, after_action_submitted_at FROM drills'),
    plans: await q(
      `SELECT p.id, p.agency_id, p.created_at, p.review_due_at, p.review_overdue, v.document
         FROM continuity_plans p LEFT JOIN continuity_plan_versions v ON v.plan_id = p.id AND v.version = p.current_version`,
    ),
    actions: await q('SELECT agency_id, status, overdue, due_at, done_at, verified_at FROM corrective_actions'),
  };
}

/** The agencies below (and including) an agency, walked here from parent_id. */
function subtreeOf(rows: Rows, id: string): string[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) for (const a of rows.agencies) if (a.parent_id === out[i]) out.push(a.id);
  return out;
}

type Missed = {
  reference: string;
  agencyId: string;
  code: string;
  level: number;
  clock: string;
  dueAt: Date;
  doneAt: Date | null;
  lateByMs: number;
  incidentId: string;
  kind: string;
};

/** The figures of a set of agencies for a Taipei year, counted in JS from the rows. */
function expected(rows: Rows, agencyIds: string[], year: number, now: Date) {
  const ids = new Set(agencyIds);
  const start = DateTime.fromObject({ year }, { zone: ZONE });
  const from = start.toMillis();
  const to = start.plus({ years: 1 }).toMillis();
  const inYear = (d: Date | null) => d !== null && ms(d) >= from && ms(d) < to;
  const incidents = rows.incidents.filter((i) => ids.has(i.agency_id) && inYear(i.aware_at));
  const real = incidents.filter((i) => !i.is_drill);
  const drillIncidents = incidents.filter((i) => i.is_drill);
  const byId = new Map(real.map((i) => [i.id, i]));
  const code = new Map(rows.agencies.map((a) => [a.id, a.code]));

  const clock = () => ({ onTime: 0, late: 0, lateByMs: { total: 0, max: 0 }, running: 0, breachedOpen: 0 });
  const clocks = { report: clock(), superiorReview: clock(), recovery: clock(), improvementReport: clock() } as Record<string, ReturnType<typeof clock>>;
  const missed: Missed[] = [];
  for (const d of rows.deadlines) {
    const incident = byId.get(d.subject_id);
    if (d.subject_type !== 'incident' || !incident || !RULE_CLOCKS[d.kind] || !['pending', 'met', 'breached'].includes(d.status)) continue;
    const c = clocks[RULE_CLOCKS[d.kind]!]!;
    const done = d.met_at ?? d.resolved_at;
    const miss = (doneAt: Date | null, lateByMs: number) =>
      missed.push({
        reference: incident.reference,
        agencyId: incident.agency_id,
        code: code.get(incident.agency_id)!,
        level: incident.level,
        clock: RULE_CLOCKS[d.kind]!,
        dueAt: d.due_at,
        doneAt,
        lateByMs,
        incidentId: incident.id,
        kind: d.kind,
      });
    if (d.status === 'met' && ms(done) <= ms(d.due_at)) c.onTime++;
    else if (d.status === 'met' || (d.status === 'breached' && d.met_at)) {
      const late = ms(done) - ms(d.due_at);
      c.late++;
      c.lateByMs.total += late;
      c.lateByMs.max = Math.max(c.lateByMs.max, late);
      miss(done, late);
    } else if (d.status === 'pending' && ms(d.due_at) > now.getTime()) c.running++;
    else {
      c.breachedOpen++;
      miss(null, now.getTime() - ms(d.due_at));
    }
  }

  const plans = rows.plans.filter((p) => ids.has(p.agency_id) && ms(p.created_at) < to);
  const level = new Map(rows.agencies.map((a) => [a.id, a.responsibility_level.trim()]));
  let compliant = 0;
  for (const p of plans) {
    const years = level.get(p.agency_id) === 'A' ? 1 : 2;
    const coveredFrom = start.minus({ years: years - 1 }).toMillis();
    const held = rows.drills.filter((d) => d.plan_id === p.id && HELD.includes(d.state)).map((d) => ms(d.completed_at ?? d.scheduled_for));
    if (held.some((at) => at >= from && at < to) || held.some((at) => at >= coveredFrom && at < from)) compliant++;
  }
  const drills = rows.drills.filter((d) => ids.has(d.agency_id) && inYear(d.scheduled_for));
  const type = (t: string) => ({
    required: drills.filter((d) => d.drill_type === t && d.state !== 'cancelled' && d.occurrence_at !== null).length,
    held: drills.filter((d) => d.drill_type === t && HELD.includes(d.state)).length,
  });
  const aar = { onTime: 0, late: 0, pending: 0, overdue: 0 };
  for (const d of rows.drills.filter((x) => ids.has(x.agency_id) && inYear(x.completed_at) && x.state !== 'cancelled')) {
    const rowsOf = rows.deadlines.filter((x) => x.subject_type === 'drill' && x.subject_id === d.id && x.kind === 'after_action');
    const dues = rowsOf.filter((x) => x.status !== 'superseded').map((x) => ms(x.due_at));
    const due = dues.length ? Math.max(...dues) : ms(d.completed_at) + 30 * 86_400_000;
    const breached = rowsOf.some((x) => x.status === 'breached');
    const submitted = d.after_action_submitted_at;
    if (submitted && !breached && ms(submitted) <= due) aar.onTime++;
    else if (submitted) aar.late++;
    else if (!breached && due >= now.getTime()) aar.pending++;
    else aar.overdue++;
  }
  const actions = rows.actions.filter((c) => ids.has(c.agency_id));
  const open = actions.filter((c) => c.status === 'open' || c.status === 'in_progress');
  const heldBy = new Set(drillIncidents.filter((i) => i.state !== 'dismissed').map((i) => i.agency_id));
  const count = <T>(list: T[], f: (x: T) => boolean) => list.filter(f).length;
  const terminal = (s: string) => s === 'closed' || s === 'dismissed';

  const figures = {
    agencies: ids.size,
    incidents: {
      total: real.length,
      byLevel: {
        '1': count(real, (i) => i.level === 1),
        '2': count(real, (i) => i.level === 2),
        '3': count(real, (i) => i.level === 3),
        '4': count(real, (i) => i.level === 4),
      },
      byCategory: Object.fromEntries(
        ['web_attack', 'intrusion', 'denial_of_service', 'equipment_problem', 'other'].map((c) => [c, count(real, (i) => i.category === c)]),
      ),
      open: count(real, (i) => !terminal(i.state)),
      closed: count(real, (i) => i.state === 'closed'),
      dismissed: count(real, (i) => i.state === 'dismissed'),
    },
    clocks,
    incidentDrills: {
      count: drillIncidents.length,
      open: count(drillIncidents, (i) => !terminal(i.state)),
      closed: count(drillIncidents, (i) => i.state === 'closed'),
      dismissed: count(drillIncidents, (i) => i.state === 'dismissed'),
      agenciesHeld: heldBy.size,
      incidentDrillHeld: ids.size > 0 && heldBy.size === ids.size,
    },
    continuity: {
      plans: plans.length,
      coreServices: plans.reduce((n, p) => n + (p.document?.scope ?? []).filter((s) => s.core === true).length, 0),
      reviewsOverdue: count(plans, (p) => p.review_overdue || ms(p.review_due_at) < now.getTime()),
      plansCompliant: compliant,
      plansNonCompliant: plans.length - compliant,
      drills: {
        total: drills.length,
        scheduled: count(drills, (d) => d.state === 'scheduled'),
        overdue: count(drills, (d) => d.state === 'overdue'),
        inProgress: count(drills, (d) => d.state === 'in_progress'),
        held: count(drills, (d) => HELD.includes(d.state)),
        closed: count(drills, (d) => d.state === 'closed'),
        cancelled: count(drills, (d) => d.state === 'cancelled'),
        byType: { tabletop: type('tabletop'), functional: type('functional'), full_scale: type('full_scale') },
      },
      afterActionReports: aar,
      correctiveActions: {
        open: open.length,
        overdue: count(open, (c) => c.overdue || ms(c.due_at) < now.getTime()),
        doneThisYear: count(actions, (c) => inYear(c.done_at)),
        verifiedThisYear: count(actions, (c) => c.status === 'verified' && inYear(c.verified_at)),
      },
    },
  };
  missed.sort((a, b) => ms(a.dueAt) - ms(b.dueAt) || (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0) || (a.kind < b.kind ? -1 : 1));
  return { figures, missed };
}

describe('GET /api/reports/compliance over the agency tree (shared oversight seed)', () => {
  let t: TestApp;
  let seed: OversightSeed;
  let rows: Rows;
  const tokens: Record<string, string> = {};
  const report = (token: string, query: Record<string, string>) => t.http().get('/api/reports/compliance').query(query).set(auth(token));
  const ok = async (res: { status: number; body: any }) => {
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const childOf = (body: any, id: string) => body.children.find((c: { agency: { id: string } }) => c.agency.id === id);
  /** The report of an agency must equal the JS counts: own figures, each child's subtree, the total and the late list. */
  const expectReportMatches = (body: any, agencyId: string, year: number) => {
    const now = new Date(NOW);
    const { perPlan: _perPlan, ...ownContinuity } = body.continuity;
    const own = { agencies: body.agencies, incidents: body.incidents, clocks: body.clocks, incidentDrills: body.incidentDrills, continuity: ownContinuity };
    expect(own).toEqual(expected(rows, [agencyId], year, now).figures);
    const children = rows.agencies.filter((a) => a.parent_id === agencyId).sort((a, b) => (a.code < b.code ? -1 : 1));
    expect(body.children.map((c: { agency: unknown }) => c.agency)).toEqual(children.map((a) => ({ id: a.id, code: a.code, name: a.name })));
    for (const child of children) {
      const { agency: _agency, ...figures } = childOf(body, child.id);
      expect(figures).toEqual(expected(rows, subtreeOf(rows, child.id), year, now).figures);
    }
    const all = expected(rows, subtreeOf(rows, agencyId), year, now);
    expect(body.total).toEqual(all.figures);
    expect(body.late.total).toBe(all.missed.length);
    expect(body.late.truncated).toBe(all.missed.length > 500);
    expect(body.late.items).toEqual(
      all.missed.slice(0, 500).map((m) => ({
        incidentId: m.incidentId,
        reference: m.reference,
        agency: { id: m.agencyId, code: m.code },
        level: m.level,
        clock: m.clock,
        dueAt: m.dueAt.toISOString(),
        doneAt: m.doneAt ? m.doneAt.toISOString() : null,
        lateByMs: m.lateByMs,
      })),
    );
    return all;
  };

  beforeAll(async () => {
    t = await createTestApp();
    t.clock.set(NOW);
    seed = await seedOversight(t.db, {
      prefix: 'OV',
      year: 2026,
      children: 2,
      grandchildrenPerChild: 2,
      incidents: 300,
      drills: 60,
      plansPerAgency: 2,
      now: t.clock.now(),
    });
    const [c1, c2] = seed.children as [string, string];
    const gc = seed.grandchildren[0]![0]!;
    const people: Array<[string, string, Parameters<typeof seedUser>[1]['roles']]> = [
      ['auditor', seed.root, ['auditor']],
      ['rootCiso', seed.root, ['ciso', 'reporter']],
      ['c1Ciso', c1, ['ciso', 'reporter']],
      ['c1Coordinator', c1, ['continuity_coordinator', 'reporter']],
      ['c2Ciso', c2, ['ciso', 'reporter']],
      ['gcCiso', gc, ['ciso', 'reporter']],
      ['c1Responder', c1, ['responder', 'reporter']],
    ];
    for (const [key, agencyId, roles] of people) {
      await seedUser(t, { agencyId, email: `${key.toLowerCase()}@ov.gov.tw`, roles });
      tokens[key] = await login(t, `${key.toLowerCase()}@ov.gov.tw`);
    }
    rows = await readRows(t);
  });
  afterAll(() => t.close());

  it('seeds a three-level tree and a year of rows, the same rows on every run', async () => {
    expect(seed.agencies).toHaveLength(7);
    expect(seed.agencies.map((a) => a.depth)).toEqual([0, 1, 2, 2, 1, 2, 2]);
    expect(rows.incidents.length).toBe(303);
    expect(rows.drills.length).toBe(60);
    // Deterministic ids: md5 of names, so the known cases have fixed ids.
    const again = (await t.db.query(`SELECT md5('agency-OV')::uuid AS id`)).rows[0].id;
    expect(seed.root).toBe(again);
    // The trigger copied each incident deadline's agency, awareness and drill flag.
    const copied = await t.db.query(
      `SELECT count(*)::int AS n FROM deadlines d JOIN incidents i ON i.id = d.incident_id
        WHERE d.incident_agency_id = i.agency_id AND d.incident_aware_at = i.aware_at AND d.incident_is_drill = i.is_drill`,
    );
    expect(copied.rows[0].n).toBe(rows.deadlines.filter((d) => d.subject_type === 'incident').length);
  });

  it("the root's report: its own figures, each child's subtree rolled up, the total and the late list, every figure as counted from the rows", async () => {
    const body = await ok(await report(tokens.auditor!, { agencyId: seed.root, year: '2026' }));
    expect(body).toMatchObject({ scope: 'subtree', year: 2026, agency: { id: seed.root, code: 'OV' }, period: { from: '2026-01-01T00:00:00.000+08:00' } });
    const all = expectReportMatches(body, seed.root, 2026);
    // Every kind of outcome is present in the seed, so each figure is really exercised.
    for (const name of ['report', 'superiorReview', 'recovery', 'improvementReport'])
      for (const field of ['onTime', 'late', 'running', 'breachedOpen']) expect(body.total.clocks[name][field]).toBeGreaterThan(0);
    expect(body.total.clocks.report.lateByMs.max).toBeGreaterThan(0);
    expect(body.total.continuity.afterActionReports).toEqual(expect.objectContaining({ onTime: expect.any(Number) }));
    for (const field of ['onTime', 'late', 'overdue']) expect(body.total.continuity.afterActionReports[field]).toBeGreaterThan(0);
    expect(all.missed.length).toBeGreaterThan(0);
    // The total is the agency's own figures plus its children's.
    const sum = (get: (f: any) => number) => get(body) + body.children.reduce((n: number, c: any) => n + get(c), 0);
    expect(sum((f) => f.incidents.total)).toBe(body.total.incidents.total);
    expect(sum((f) => f.clocks.recovery.late)).toBe(body.total.clocks.recovery.late);
    expect(sum((f) => f.continuity.drills.held)).toBe(body.total.continuity.drills.held);
    // Drill incidents are drills, never incidents.
    const inYear = rows.incidents.filter(
      (i) => i.aware_at.getTime() >= Date.parse('2025-12-31T16:00:00Z') && i.aware_at.getTime() < Date.parse('2026-12-31T16:00:00Z'),
    );
    expect(body.total.incidents.total).toBe(inYear.filter((i) => !i.is_drill).length);
    expect(body.total.incidentDrills.count).toBe(inYear.filter((i) => i.is_drill).length);
    expect(body.total.incidentDrills.count).toBeGreaterThan(0);
    // Titles never: not of restricted incidents, not of restricted plans.
    expect(JSON.stringify(body)).not.toContain('SECRET-TITLE');
  });

  it("a grandchild's late report shows in the root's roll-up (under its child) and in the child's report", async () => {
    const known = seed.known.grandchildLateReport;
    const [c1] = seed.children as [string];
    const item = {
      incidentId: known.id,
      reference: known.reference,
      agency: { id: known.agencyId, code: 'OVC1G1' },
      level: 2,
      clock: 'report',
      dueAt: known.dueAt,
      doneAt: known.doneAt,
      lateByMs: 95 * 60_000,
    };
    const root = await ok(await report(tokens.rootCiso!, { agencyId: seed.root, year: '2026' }));
    const withoutIt = expected({ ...rows, deadlines: rows.deadlines.filter((d) => d.subject_id !== known.id) }, subtreeOf(rows, c1), 2026, new Date(NOW))
      .figures.clocks.report;
    expect(childOf(root, c1).clocks.report.late).toBe(withoutIt.late + 1);
    expect(childOf(root, c1).clocks.report.lateByMs.total).toBe(withoutIt.lateByMs.total + 95 * 60_000);
    expect(root.late.items).toContainEqual(item);

    const child = await ok(await report(tokens.c1Ciso!, { agencyId: c1, year: '2026' }));
    expectReportMatches(child, c1, 2026);
    expect(childOf(child, known.agencyId).clocks.report.late).toBeGreaterThanOrEqual(1);
    expect(child.late.items).toContainEqual(item);
    expect(child.total.clocks.report.late).toBe(childOf(root, c1).clocks.report.late);

    // And in the grandchild's own report, as its own figure.
    const own = await ok(await report(tokens.gcCiso!, { year: '2026' }));
    expectReportMatches(own, known.agencyId, 2026);
    expect(own.children).toEqual([]);
    expect(own.late.items).toContainEqual(item);
    expect(JSON.stringify([root, child, own])).not.toContain(known.title);
  });

  it('counts the year in Asia/Taipei: 16:30 UTC on 31 December is already next year', async () => {
    const next = seed.known.nextYearInTaipei;
    const first = seed.known.thisYearInTaipei;
    expect(next.awareAt).toBe('2026-12-31T16:30:00.000Z');
    expect(first.awareAt).toBe('2025-12-31T16:30:00.000Z');
    const y2026 = await ok(await report(tokens.auditor!, { agencyId: seed.root, year: '2026' }));
    const y2027 = await ok(await report(tokens.auditor!, { agencyId: seed.root, year: '2027' }));
    const y2025 = await ok(await report(tokens.auditor!, { agencyId: seed.root, year: '2025' }));
    expectReportMatches(y2027, seed.root, 2027);
    expectReportMatches(y2025, seed.root, 2025);
    // 2027 holds exactly the incident of 00:30 on 1 January 2027 in Taipei, in the grandchild (under child 1).
    expect(y2027.total.incidents.total).toBe(1);
    expect(y2027.total.clocks.report).toEqual({ onTime: 1, late: 0, lateByMs: { total: 0, max: 0 }, running: 0, breachedOpen: 0 });
    expect(childOf(y2027, seed.children[0]!).incidents.total).toBe(1);
    // The root's incident of 00:30 on 1 January 2026 in Taipei is the root's own, in 2026 and not in 2025.
    expect(y2025.total.incidents.total).toBe(0);
    const rootsOwn2026 = rows.incidents.filter(
      (i) =>
        i.agency_id === seed.root &&
        !i.is_drill &&
        i.aware_at.getTime() >= Date.parse('2025-12-31T16:00:00Z') &&
        i.aware_at.getTime() < Date.parse('2026-12-31T16:00:00Z'),
    );
    expect(rootsOwn2026.map((i) => i.reference)).toContain(first.reference);
    expect(y2026.incidents.total).toBe(rootsOwn2026.length);
  });

  it('who sees what: overseers see their subtree, others their agency alone, and nothing outside answers but a 404 problem', async () => {
    const [c1, c2] = seed.children as [string, string];
    // A coordinator (no oversight of subordinates) reads its agency alone.
    const alone = await ok(await report(tokens.c1Coordinator!, { year: '2026' }));
    expect(alone.scope).toBe('agency');
    expect(alone.children).toEqual([]);
    const ownOnly = expected(rows, [c1], 2026, new Date(NOW));
    expect(alone.total).toEqual(ownOnly.figures);
    expect(alone.late.total).toBe(ownOnly.missed.length);
    expect(alone.late.items.every((i: { agency: { id: string } }) => i.agency.id === c1)).toBe(true);
    for (const [token, agencyId] of [
      [tokens.c1Coordinator!, seed.grandchildren[0]![0]!],
      [tokens.c1Ciso!, seed.root],
      [tokens.c1Ciso!, c2],
      [tokens.c2Ciso!, c1],
      [tokens.c2Ciso!, seed.grandchildren[0]![1]!],
      [tokens.gcCiso!, c1],
    ] as const) {
      const res = await report(token, { agencyId, year: '2026' });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
    }
    // A subordinate of the caller's child is in its scope.
    expect((await report(tokens.c1Ciso!, { agencyId: seed.grandchildren[0]![1]!, year: '2026' })).status).toBe(200);
    // Roles without oversight of reports are refused.
    expect((await report(tokens.c1Responder!, { year: '2026' })).status).toBe(403);
  });
});
