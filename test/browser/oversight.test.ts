import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { fileIncident, send } from '../support/incident-fixture.js';
import {
  escaped,
  exactly,
  expectAccessible,
  followNav,
  openAs,
  screenshot,
  startConsole,
  text,
  USERS,
  type ConsoleRun,
  type Language,
  type Width,
} from '../support/browser.js';

/*
 * Oversight in Chromium against the real API: the superior agency's CISO reads a subordinate's
 * compliance figures, opens a late item, reads the response-time chart and downloads the incident
 * list as CSV; an auditor verifies the audit chain and filters the log. zh-TW at 1280 px and
 * English at 375 px.
 */

const MIN = 60_000;
const RUNS: Array<[Language, Width]> = [
  ['zh-TW', 1280],
  ['en', 375],
];

describe('oversight and the audit log in Chromium', () => {
  let run: ConsoleRun;
  let lateReported: { id: string; reference: string };
  let neverReported: { id: string; reference: string };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const ok = async (res: { status: number; body: unknown }) => {
    if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  beforeAll(async () => {
    run = await startConsole();
    const { t, world } = run;
    const green = { classification: { tlp: 'GREEN', dataLevel: 'general' }, impact: { confidentiality: 2, integrity: 2, availability: 2 } };
    // One reported 95 minutes after awareness (its report clock met late), then contained and recovered;
    // one never reported (its hour passed with no report). Both of SUB, a subordinate of SUP.
    lateReported = await fileIncident(t, world.tokens.reporter, { ...green, title: '遲報事件 Reported late' });
    neverReported = await fileIncident(t, world.tokens.reporter, { ...green, title: '未通報事件 Never reported' });
    await ok(await send(t, world.tokens.manager, lateReported.id, { type: 'ACKNOWLEDGE' }));
    await ok(await send(t, world.tokens.manager, lateReported.id, { type: 'TRIAGE', impact: green.impact, category: 'web_attack' }));
    t.clock.advance(90 * MIN);
    await ok(await send(t, world.tokens.manager, lateReported.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    t.clock.advance(30 * MIN);
    await ok(await send(t, world.tokens.responder, lateReported.id, { type: 'CONTAINED', summary: 'contained' }));
    t.clock.advance(60 * MIN);
    await ok(await send(t, world.tokens.responder, lateReported.id, { type: 'RECOVERED', summary: 'recovered' }));
  }, 120_000);
  afterAll(() => run?.close());

  it.each(RUNS)(
    "a superior agency reads a subordinate's compliance, opens a late item and downloads the incident list (%s, %i px)",
    async (language, width) => {
      const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
      const { t, world } = run;
      const api = await t.http().get('/api/reports/compliance').query({ agencyId: world.sub }).set(auth(world.tokens.supCiso));
      expect(api.status).toBe(200);

      const page = await openAs(run, { email: USERS.supCiso, language, width });
      await followNav(page, language, await tr('oversight.nav'));
      await page.getByRole('heading', { name: exactly(await tr('oversight.title')) }).waitFor();
      const byAgency = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: exactly(await tr('oversight.col.report')) }) });
      await byAgency.getByRole('rowheader', { name: new RegExp(escaped('(SUP)')) }).waitFor();
      await expectAccessible(page);
      await screenshot(page, `oversight-root-${language}`, { readme: language === 'zh-TW' });

      // Into the subordinate: its own figures, as the API gives them.
      await byAgency.getByRole('link', { name: new RegExp(escaped('(SUB)')) }).click();
      await page.waitForURL((url) => url.searchParams.get('agency') === world.sub);
      const summary = page.getByRole('region', { name: exactly(await tr('oversight.card.report')) });
      const report = api.body.total.clocks.report;
      await summary.getByText(exactly(`${report.onTime} / ${report.onTime + report.late + report.breachedOpen}`)).waitFor();
      await summary.getByText(await tr('oversight.card.report.detail', { late: report.late, open: report.breachedOpen })).waitFor();
      expect(report).toMatchObject({ late: 1, breachedOpen: 1 });
      const late = page.getByRole('region', { name: await tr('oversight.late.title', { n: api.body.late.total }) });
      const neverRow = late.locator(`[data-late-item="${neverReported.reference}"]`).filter({ hasText: await tr('oversight.clock.report') });
      await neverRow.getByText(exactly(await tr('oversight.late.notDone'))).waitFor();
      const lateRow = late.locator(`[data-late-item="${lateReported.reference}"]`).filter({ hasText: await tr('oversight.clock.report') });
      // Reported 95 minutes after awareness (filed 5 minutes after it): 35 minutes late.
      await lateRow.getByText(exactly(`${await tr('countdown.minute', { n: 35 })} ${await tr('countdown.second', { n: 0 })}`)).waitFor();

      // The response-time chart and its table: the one incident reported, contained and recovered.
      const times = page.getByRole('region', { name: exactly(await tr('oversight.times.title')) });
      await times
        .getByRole('img', { name: exactly(await tr('oversight.times.chart')) })
        .locator('svg')
        .first()
        .waitFor();
      await times.getByRole('table', { name: exactly(await tr('oversight.times.table')) }).waitFor();
      await expectAccessible(page);
      await screenshot(page, `oversight-sub-${language}`);

      // The incident list of SUB as a CSV file, with the same redaction as the list the superior reads.
      const list = page.getByRole('region', { name: exactly(await tr('oversight.incidents.title')) });
      await list.getByRole('link', { name: lateReported.reference }).waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        list.getByRole('link', { name: exactly(await tr('oversight.incidents.csv')) }).click(),
      ]);
      const rows: string[][] = parse(readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, ''));
      expect(rows.slice(1).some((row) => row.includes(lateReported.reference))).toBe(true);
      const expected = await t.http().get('/api/incidents').query({ agencyId: world.sub, format: 'csv' }).set(auth(world.tokens.supCiso));
      expect(rows.length).toBe((parse(expected.text.replace(/^\uFEFF/, '')) as string[][]).length);

      // Opening the late item: the incident the superior was sent, under its reference.
      await lateRow.getByRole('link', { name: lateReported.reference }).click();
      await page.waitForURL(`**/incidents/${lateReported.id}`);
      await page.getByRole('heading', { level: 1, name: new RegExp(escaped(lateReported.reference)) }).waitFor();
      await page.context().close();
    },
  );

  it.each(RUNS)('an auditor sees the audit chain verified and filters the log (%s, %i px)', async (language, width) => {
    const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
    const { t } = run;
    // A refused login to find: a wrong password for the reporter.
    const refused = await t.http().post('/api/auth/login').send({ email: USERS.reporter, password: 'not-the-password' });
    expect(refused.status).toBe(401);

    const page = await openAs(run, { email: USERS.auditor, language, width });
    await followNav(page, language, await tr('audit.nav'));
    await page.getByRole('heading', { level: 1, name: exactly(await tr('audit.title')) }).waitFor();
    const verification = page.locator('[data-chain]');
    await verification.waitFor();
    const verified = await t.http().get('/api/audit/verify').set(auth(run.world.tokens.auditor));
    expect(verified.body.ok).toBe(true);
    expect(await verification.getAttribute('data-chain')).toBe('verified');
    // At least the events verified by the API just now were there when the page checked.
    const checked = Number((await verification.innerText()).match(/\d+/)?.[0]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(verified.body.checked);
    await expectAccessible(page);
    await screenshot(page, `audit-log-${language}`, { readme: language === 'en' });

    const filters = page.getByRole('form', { name: exactly(await tr('audit.filters')) });
    await filters.getByLabel(exactly(await tr('audit.filter.action'))).fill('auth.login');
    await filters.getByLabel(exactly(await tr('audit.filter.outcome'))).selectOption('refused');
    await filters.getByRole('button', { name: exactly(await tr('audit.filter.apply')) }).click();
    const rows = page.locator('tr[data-audit-action]');
    const expected = await t.http().get('/api/audit').query({ action: 'auth.login', outcome: 'refused', limit: 100 }).set(auth(run.world.tokens.auditor));
    expect(expected.body.items.length).toBeGreaterThan(0);
    await page.getByText(exactly(await tr('audit.count', { n: expected.body.items.length }))).waitFor();
    expect(await rows.count()).toBe(expected.body.items.length);
    for (const row of await rows.all()) {
      expect(await row.getAttribute('data-audit-action')).toBe('auth.login');
      expect(await row.getAttribute('data-audit-outcome')).toBe('refused');
    }
    await expectAccessible(page);
    await screenshot(page, `audit-log-filtered-${language}`);
    await page.context().close();
  });
});
