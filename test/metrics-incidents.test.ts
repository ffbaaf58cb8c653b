import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

const MIN = 60_000;

/** The value of one series of the scrape, or undefined when it is not there. */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2]!.split(',').sort();
    if (have.length === want.length && have.every((l, i) => l === want[i])) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics: open incidents by agency and level, running and breached clocks', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let reported: { id: string };
  const scrape = async () => {
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
    await seedUser(t, { agencyId: w.oth, email: 'manager@oth.gov.tw', roles: ['on_call_manager', 'reporter'] });
    const othManager = await login(t, 'manager@oth.gov.tw');
    // SUB: a level-2 incident, a level-3 one and a level-2 drill; OTH: one dismissed (no longer open).
    reported = await fileIncident(t, w.tokens.reporter, { title: 'METRIC-SECRET level two' });
    await fileIncident(t, w.tokens.reporter, { title: 'METRIC-SECRET level three', impact: { confidentiality: 1, integrity: 1, availability: 3 } });
    await fileIncident(t, w.tokens.reporter, { title: 'METRIC-SECRET drill', isDrill: true });
    const dismissed = await fileIncident(t, w.tokens.othReporter, { title: 'METRIC-SECRET dismissed' });
    await ok(await send(t, othManager, dismissed.id, { type: 'DISMISS', reason: 'duplicate' }));
  });
  afterAll(() => t.close());

  it('counts open incidents by agency code, level and drill, and the clocks running at filing', async () => {
    const text = await scrape();
    expect(series(text, 'incidents_open', { agency: 'SUB', level: '2', drill: 'false' })).toBe(1);
    expect(series(text, 'incidents_open', { agency: 'SUB', level: '3', drill: 'false' })).toBe(1);
    expect(series(text, 'incidents_open', { agency: 'SUB', level: '2', drill: 'true' })).toBe(1);
    expect(series(text, 'incidents_open', { agency: 'OTH', level: '2', drill: 'false' })).toBeUndefined();
    for (const kind of ['report', 'recovery', 'acknowledgement']) {
      expect(series(text, 'clocks', { subject: 'incident', kind, state: 'running' })).toBe(3);
      expect(series(text, 'clocks', { subject: 'incident', kind, state: 'breached' })).toBeUndefined();
    }
    // The report reminder is no clock of its own.
    expect(text).not.toMatch(/clocks\{[^}]*kind="report_due_soon"/);
    // Counts only: no incident content.
    expect(text).not.toContain('METRIC-SECRET');
  });

  it('turns clocks past their due time breached at scrape time (the one clock), and a met one stops counting', async () => {
    t.clock.advance(10 * MIN);
    await ok(await send(t, w.tokens.manager, reported.id, { type: 'ACKNOWLEDGE' }));
    await ok(
      await send(t, w.tokens.manager, reported.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    await ok(await send(t, w.tokens.manager, reported.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    // Two hours on: the two unreported reports and the two unanswered pages are past due; no worker ran.
    t.clock.advance(2 * 60 * MIN);
    const text = await scrape();
    expect(series(text, 'clocks', { subject: 'incident', kind: 'report', state: 'breached' })).toBe(2);
    expect(series(text, 'clocks', { subject: 'incident', kind: 'report', state: 'running' })).toBeUndefined();
    expect(series(text, 'clocks', { subject: 'incident', kind: 'acknowledgement', state: 'breached' })).toBe(2);
    // The superior's review of the reported one (8 hours at level 2) runs; recovery (72 h / 36 h) runs for all three.
    expect(series(text, 'clocks', { subject: 'incident', kind: 'superior_review', state: 'running' })).toBe(1);
    expect(series(text, 'clocks', { subject: 'incident', kind: 'recovery', state: 'running' })).toBe(3);
    expect(series(text, 'incidents_open', { agency: 'SUB', level: '2', drill: 'false' })).toBe(1);
  });
});
