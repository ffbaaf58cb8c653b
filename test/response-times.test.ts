import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const MIN = 60_000;

/**
 * One incident of the scenario: filed `filedAfter` minutes after awareness, then each step a
 * number of seconds after the previous one (null: the step never comes, nor any after it).
 */
interface Plan {
  agency: 'sub' | 'oth';
  awareAt: string;
  filedAfterMin: number;
  level: 2 | 3;
  drill?: boolean;
  ack: number | null;
  report: number | null;
  contain: number | null;
  recover: number | null;
  /** Taipei month of awareness, as the report should group it. */
  month: string;
  inPeriod: boolean;
}

const IMPACT = { 2: { confidentiality: 1, integrity: 2, availability: 2 }, 3: { confidentiality: 1, integrity: 1, availability: 3 } } as const;

const PLANS: Plan[] = [
  // 23:30 on 28 February in Taipei: before the period.
  {
    agency: 'sub',
    awareAt: '2026-02-28T15:30:00Z',
    filedAfterMin: 10,
    level: 2,
    ack: 60,
    report: 600,
    contain: 900,
    recover: 1800,
    month: '2026-02',
    inPeriod: false,
  },
  // 00:30 on 1 March in Taipei (still 28 February in UTC): the first of the period.
  {
    agency: 'sub',
    awareAt: '2026-02-28T16:30:00Z',
    filedAfterMin: 5,
    level: 2,
    ack: 120,
    report: 1500,
    contain: 3600,
    recover: 7200,
    month: '2026-03',
    inPeriod: true,
  },
  {
    agency: 'sub',
    awareAt: '2026-03-03T01:00:00Z',
    filedAfterMin: 2,
    level: 2,
    ack: 30,
    report: 900,
    contain: 1200,
    recover: 5400,
    month: '2026-03',
    inPeriod: true,
  },
  {
    agency: 'sub',
    awareAt: '2026-03-05T02:00:00Z',
    filedAfterMin: 20,
    level: 3,
    ack: 45,
    report: 400,
    contain: 2000,
    recover: 10800,
    month: '2026-03',
    inPeriod: true,
  },
  {
    agency: 'sub',
    awareAt: '2026-03-09T03:00:00Z',
    filedAfterMin: 1,
    level: 3,
    ack: 300,
    report: 2400,
    contain: 600,
    recover: null,
    month: '2026-03',
    inPeriod: true,
  },
  {
    agency: 'sub',
    awareAt: '2026-03-12T04:00:00Z',
    filedAfterMin: 15,
    level: 2,
    ack: 90,
    report: null,
    contain: null,
    recover: null,
    month: '2026-03',
    inPeriod: true,
  },
  // The sibling agency, seen by the superior's CISO only.
  {
    agency: 'oth',
    awareAt: '2026-03-15T05:00:00Z',
    filedAfterMin: 3,
    level: 2,
    ack: 200,
    report: 1000,
    contain: 4000,
    recover: 9000,
    month: '2026-03',
    inPeriod: true,
  },
  // An incident filed as a drill: reported apart.
  {
    agency: 'sub',
    awareAt: '2026-03-20T06:00:00Z',
    filedAfterMin: 1,
    level: 2,
    drill: true,
    ack: 10,
    report: 100,
    contain: 200,
    recover: 300,
    month: '2026-03',
    inPeriod: true,
  },
  // 00:30 on 1 April in Taipei (31 March in UTC): April.
  {
    agency: 'sub',
    awareAt: '2026-03-31T16:30:00Z',
    filedAfterMin: 7,
    level: 2,
    ack: 75,
    report: 2000,
    contain: 1000,
    recover: 3000,
    month: '2026-04',
    inPeriod: true,
  },
  {
    agency: 'sub',
    awareAt: '2026-04-10T07:00:00Z',
    filedAfterMin: 4,
    level: 3,
    ack: 15,
    report: 1100,
    contain: 500,
    recover: 2500,
    month: '2026-04',
    inPeriod: true,
  },
  // 00:30 on 1 May in Taipei: past the period's end.
  {
    agency: 'sub',
    awareAt: '2026-04-30T16:30:00Z',
    filedAfterMin: 1,
    level: 2,
    ack: 5,
    report: 50,
    contain: 50,
    recover: 50,
    month: '2026-05',
    inPeriod: false,
  },
];

/** percentile_cont: the value at fraction p of the sorted values, interpolating linearly between neighbours. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The seconds each step took by the rules' clocks: acknowledgement from filing, the rest from awareness. */
function durations(p: Plan) {
  const filed = p.filedAfterMin * 60;
  const steps: Record<'acknowledge' | 'report' | 'contain' | 'recover', number | null> = { acknowledge: null, report: null, contain: null, recover: null };
  if (p.ack === null) return steps;
  steps.acknowledge = p.ack;
  let since = filed + p.ack;
  for (const [name, delay] of [
    ['report', p.report],
    ['contain', p.contain],
    ['recover', p.recover],
  ] as const) {
    if (delay === null) break;
    since += delay;
    steps[name] = since;
  }
  return steps;
}

function expected(plans: Plan[]) {
  const measure = (name: 'acknowledge' | 'report' | 'contain' | 'recover') => {
    const values = plans.map((p) => durations(p)[name]).filter((v): v is number => v !== null);
    return { count: values.length, medianSeconds: percentileCont(values, 0.5), p90Seconds: percentileCont(values, 0.9) };
  };
  return { incidents: plans.length, acknowledge: measure('acknowledge'), report: measure('report'), contain: measure('contain'), recover: measure('recover') };
}

function expectStats(actual: any, plans: Plan[]) {
  const want = expected(plans);
  expect(actual.incidents).toBe(want.incidents);
  for (const name of ['acknowledge', 'report', 'contain', 'recover'] as const) {
    expect(actual[name].count).toBe(want[name].count);
    for (const q of ['medianSeconds', 'p90Seconds'] as const) {
      if (want[name][q] === null) expect(actual[name][q]).toBeNull();
      else expect(actual[name][q]).toBeCloseTo(want[name][q]!, 3);
    }
  }
}

describe('GET /api/reports/response-times', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let othManager: string;
  let othResponder: string;
  const report = (token: string, query: Record<string, string> = {}) => t.http().get('/api/reports/response-times').query(query).set(auth(token));
  const PERIOD = { from: '2026-03-01', to: '2026-05-01' };

  beforeAll(async () => {
    t = await createTestApp({ SESSION_TTL: 'P120D' });
    t.clock.set('2026-02-28T12:00:00Z');
    w = await seedIncidentWorld(t);
    await seedUser(t, { agencyId: w.oth, email: 'manager@oth.gov.tw', roles: ['on_call_manager', 'reporter'] });
    await seedUser(t, { agencyId: w.oth, email: 'responder@oth.gov.tw', roles: ['responder', 'reporter'] });
    othManager = await login(t, 'manager@oth.gov.tw');
    othResponder = await login(t, 'responder@oth.gov.tw');

    // Each incident is filed and worked through with the clock moved between the steps, so each duration is known.
    for (const p of PLANS) {
      const [reporter, manager, responder] =
        p.agency === 'sub' ? [w.tokens.reporter, w.tokens.manager, w.tokens.responder] : [w.tokens.othReporter, othManager, othResponder];
      const aware = new Date(p.awareAt).getTime();
      t.clock.set(new Date(aware + p.filedAfterMin * MIN));
      const filed = await fileIncident(t, reporter, {
        awareAt: p.awareAt,
        impact: IMPACT[p.level],
        isDrill: p.drill ?? false,
        classification: { tlp: 'GREEN', dataLevel: 'general' },
      });
      expect(filed.level).toBe(p.level);
      if (p.ack === null) continue;
      t.clock.advance(p.ack * 1000);
      await ok(await send(t, manager, filed.id, { type: 'ACKNOWLEDGE' }));
      await ok(await send(t, manager, filed.id, { type: 'TRIAGE', impact: IMPACT[p.level], category: 'web_attack' }));
      if (p.report === null) continue;
      t.clock.advance(p.report * 1000);
      await ok(await send(t, manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
      if (p.contain === null) continue;
      t.clock.advance(p.contain * 1000);
      await ok(await send(t, responder, filed.id, { type: 'CONTAINED', summary: 'contained' }));
      if (p.recover === null) continue;
      t.clock.advance(p.recover * 1000);
      await ok(await send(t, responder, filed.id, { type: 'RECOVERED', summary: 'recovered' }));
    }
    t.clock.set('2026-05-02T00:00:00Z');
  });
  afterAll(() => t.close());

  const real = (plans: Plan[]) => plans.filter((p) => p.inPeriod && !p.drill);
  /** What the superior's CISO sees of its subordinates: the incidents reported to it (as GET /api/incidents shows them). */
  const reported = (plans: Plan[]) => plans.filter((p) => p.ack !== null && p.report !== null);

  it("gives the superior's CISO its subtree: medians and p90s per level, agency, month and all three, against values computed here", async () => {
    const body = await ok(await report(w.tokens.supCiso, PERIOD));
    expect(body.unit).toBe('seconds');
    expect(body.agency).toMatchObject({ id: w.sup, code: 'SUP', timezone: 'Asia/Taipei' });
    expect(body.period).toEqual({ from: '2026-03-01T00:00:00.000+08:00', to: '2026-05-01T00:00:00.000+08:00' });
    expect([...body.agencies].sort()).toEqual([w.sup, w.sub, w.oth].sort());

    // The SUB incident never reported to SUP is not in SUP's figures.
    const plans = reported(real(PLANS));
    expect(plans.length).toBe(real(PLANS).length - 1);
    expectStats(body.incidents.overall, plans);

    expect(body.incidents.byLevel.map((r: any) => r.level)).toEqual([2, 3]);
    for (const row of body.incidents.byLevel)
      expectStats(
        row,
        plans.filter((p) => p.level === row.level),
      );

    expect(body.incidents.byAgency.map((r: any) => r.agencyCode)).toEqual(['OTH', 'SUB']);
    for (const row of body.incidents.byAgency)
      expectStats(
        row,
        plans.filter((p) => (p.agency === 'sub' ? w.sub : w.oth) === row.agencyId),
      );

    // Months in Asia/Taipei: 00:30 on 1 March and 1 April count in their own month, not UTC's.
    expect(body.incidents.byMonth.map((r: any) => r.month)).toEqual(['2026-03', '2026-04']);
    for (const row of body.incidents.byMonth)
      expectStats(
        row,
        plans.filter((p) => p.month === row.month),
      );

    const keys = new Set(plans.map((p) => `${p.agency === 'sub' ? 'SUB' : 'OTH'} ${p.month} ${p.level}`));
    expect(body.incidents.cells.map((c: any) => `${c.agencyCode} ${c.month} ${c.level}`).sort()).toEqual([...keys].sort());
    for (const cell of body.incidents.cells) {
      expectStats(
        cell,
        plans.filter((p) => `${p.agency === 'sub' ? 'SUB' : 'OTH'} ${p.month} ${p.level}` === `${cell.agencyCode} ${cell.month} ${cell.level}`),
      );
    }
  });

  it('reports incidents filed as drills apart, never in the real figures', async () => {
    const body = await ok(await report(w.tokens.supCiso, PERIOD));
    const drills = PLANS.filter((p) => p.inPeriod && p.drill);
    expect(drills).toHaveLength(1);
    expectStats(body.drills.overall, drills);
    expect(body.drills.byMonth).toEqual([expect.objectContaining({ month: '2026-03', incidents: 1 })]);
    // The drill's 10-second acknowledgement would be the fastest of all: it is not there.
    expect(body.incidents.overall.acknowledge.count).toBe(reported(real(PLANS)).length);
  });

  it("gives the subordinate's CISO its own agency only, and the auditor of the superior the subtree", async () => {
    // Its own agency's incidents all count, the unreported one too.
    const own = await ok(await report(w.tokens.ciso, PERIOD));
    expect(own.agencies).toEqual([w.sub]);
    expect(own.incidents.overall.incidents).toBe(real(PLANS).filter((p) => p.agency === 'sub').length);
    expectStats(
      own.incidents.overall,
      real(PLANS).filter((p) => p.agency === 'sub'),
    );
    expect(own.incidents.byAgency.map((r: any) => r.agencyCode)).toEqual(['SUB']);

    // The auditor counts every incident of the subtree, reported or not.
    const all = await ok(await report(w.tokens.auditor, PERIOD));
    expectStats(all.incidents.overall, real(PLANS));
    const audited = await ok(await report(w.tokens.auditor, { ...PERIOD, agencyId: w.oth }));
    expect(audited.agencies).toEqual([w.oth]);
    expectStats(
      audited.incidents.overall,
      real(PLANS).filter((p) => p.agency === 'oth'),
    );
  });

  it('answers the default period (12 months to the end of this month) and an empty one with nulls', async () => {
    const body = await ok(await report(w.tokens.supCiso));
    expect(body.period).toEqual({ from: '2025-06-01T00:00:00.000+08:00', to: '2026-06-01T00:00:00.000+08:00' });
    expectStats(body.incidents.overall, reported(PLANS.filter((p) => !p.drill)));

    const empty = await ok(await report(w.tokens.supCiso, { from: '2025-01-01T00:00:00+08:00', to: '2025-02-01T00:00:00+08:00' }));
    expect(empty.incidents.overall).toEqual({
      incidents: 0,
      acknowledge: { count: 0, medianSeconds: null, p90Seconds: null },
      report: { count: 0, medianSeconds: null, p90Seconds: null },
      contain: { count: 0, medianSeconds: null, p90Seconds: null },
      recover: { count: 0, medianSeconds: null, p90Seconds: null },
    });
    expect(empty.incidents.byLevel).toEqual([]);
  });

  it('refuses what is out of scope or not allowed: 404 / 403 problems', async () => {
    const up = await report(w.tokens.ciso, { agencyId: w.sup });
    expect(up.status).toBe(404);
    expect(up.headers['content-type']).toMatch(/problem\+json/);
    expect((await report(w.tokens.ciso, { agencyId: w.oth })).status).toBe(404);
    const reporter = await report(w.tokens.reporter);
    expect(reporter.status).toBe(403);
    expect(reporter.headers['content-type']).toMatch(/problem\+json/);
  });

  it('refuses a bad period naming the field: 400 for a malformed bound, 422 for an empty, reversed or too long one', async () => {
    const malformed = await report(w.tokens.supCiso, { from: 'last week' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'from' })]);

    const noOffset = await report(w.tokens.supCiso, { to: '2026-03-01T00:00:00' });
    expect(noOffset.status).toBe(400);
    expect(noOffset.body.errors).toEqual([expect.objectContaining({ field: 'to' })]);

    const notInCalendar = await report(w.tokens.supCiso, { from: '2026-02-30' });
    expect(notInCalendar.status).toBe(422);
    expect(notInCalendar.body.errors).toEqual([expect.objectContaining({ field: 'from', rule: 'isDateString' })]);

    for (const q of [
      { from: '2026-05-01', to: '2026-03-01' },
      { from: '2026-03-01', to: '2026-03-01' },
    ]) {
      const reversed = await report(w.tokens.supCiso, q);
      expect(reversed.status).toBe(422);
      expect(reversed.body.errors).toEqual([expect.objectContaining({ field: 'to', rule: 'afterFrom' })]);
    }
    const long = await report(w.tokens.supCiso, { from: '2020-01-01', to: '2026-01-01' });
    expect(long.status).toBe(422);
    expect(long.body.errors).toEqual([expect.objectContaining({ field: 'to', rule: 'maxWindow' })]);

    const unknown = await report(w.tokens.supCiso, { year: '2026' });
    expect(unknown.status).toBe(400);
  });
});
