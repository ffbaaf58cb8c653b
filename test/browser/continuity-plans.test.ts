import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import {
  exactly,
  expectAccessible,
  followNav,
  labelled,
  openAs,
  screenshot,
  startConsole,
  text,
  type ConsoleRun,
  type Language,
  type Width,
} from '../support/browser.js';
import { login, seedUser } from '../support/test-app.js';
import { waitFor } from '../support/wait.js';

/*
 * A continuity coordinator's journey through the console: writes a plan (an RTO equal to the MTPD
 * is refused by the API and shown at the RTO field, then fixed), changes it with a reason and reads
 * the diff of version 1 and version 2 (old and new values side by side), sets a yearly drill
 * programme and checks the five-drill preview against what the API then schedules, finds the drill
 * on the month calendar and in the list, and creates, uses and revokes the personal calendar link.
 * The server's clock stands at 2026-03-02 09:00 in Taipei.
 */

const COORDINATOR = 'coordinator@sub.gov.tw';

describe.each<[Language, Width]>([
  ['zh-TW', 1280],
  ['en', 375],
])('continuity plans and drill programme in Chromium (%s, %i px)', (language, width) => {
  let run: ConsoleRun;
  const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);

  beforeAll(async () => {
    run = await startConsole();
    await seedUser(run.t, { agencyId: run.world.sub, email: COORDINATOR, roles: ['continuity_coordinator', 'reporter'] });
  }, 120_000);
  afterAll(async () => {
    await run?.close();
  });

  const field = async (scope: Page | Locator, key: string) => scope.getByLabel(labelled(await tr(key)), { exact: true });
  /** The text of the elements a field's aria-describedby names (its description and error). */
  const describedBy = async (locator: Locator) => {
    const ids = ((await locator.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    const texts = [];
    for (const id of ids) texts.push(await locator.page().locator(`[id="${id}"]`).innerText());
    return texts.join(' ');
  };

  it('writes a plan, versions it, schedules its drills and subscribes to them', async () => {
    const page = await openAs(run, { email: COORDINATOR, language, width, path: '/board' });
    await followNav(page, language, await tr('plans.nav.plans'));
    await page.getByRole('heading', { name: exactly(await tr('plans.list.title')) }).waitFor();
    await page.getByText(await tr('plans.list.empty')).waitFor();
    await expectAccessible(page);
    await screenshot(page, `plans-list-empty-${language}`);

    // A new plan, with an RTO equal to the MTPD (4 hours each).
    await page.getByRole('link', { name: exactly(await tr('plans.list.new')) }).click();
    await page.getByRole('heading', { name: exactly(await tr('plans.new.title')) }).waitFor();
    await (await field(page, 'plans.field.title')).fill('線上申辦營運持續計畫 e-filing continuity');
    const scope = page.getByRole('group', { name: await tr('plans.scope.row', { n: 1 }) });
    await (await field(scope, 'plans.field.name')).fill('線上申辦 e-filing');
    const row = page.getByRole('group', { name: await tr('plans.impact.row', { n: 1 }) });
    await (await field(row, 'plans.field.service')).selectOption({ label: '線上申辦 e-filing' });
    await (await field(row, 'plans.field.hazard')).selectOption({ label: await tr('plans.hazard.power_loss') });
    await (await field(row, 'plans.field.impact')).fill('民眾無法線上申辦 citizens cannot file online');
    await (await field(row, 'plans.field.mtpd')).fill('4');
    const rto = await field(row, 'plans.field.rto');
    await rto.fill('4');
    await (await field(row, 'plans.field.rpo')).fill('1');
    await page.getByLabel(labelled(await tr('plans.criteria.row', { n: 1 }))).fill('機房停電超過 30 分鐘 power out for over 30 minutes');
    const step = page.getByRole('group', { name: await tr('plans.procedures.row', { n: 1 }) });
    await (await field(step, 'plans.field.action')).fill('啟動備援機房 switch to the standby site');
    const contact = page.getByRole('group', { name: await tr('plans.contacts.row', { n: 1 }) });
    await (await field(contact, 'plans.field.name')).fill('王小明 Wang');
    await (await field(contact, 'plans.field.function')).fill('資訊室主任 IT head');
    await (await field(contact, 'plans.field.phone')).fill('+886 2 2345 6789');
    await page.getByRole('button', { name: exactly(await tr('plans.save.create')) }).click();

    // Refused by the API, shown at the RTO field (and not at the MTPD's); nothing was created.
    await rto.and(page.locator('[aria-invalid="true"]')).waitFor();
    expect(await (await field(row, 'plans.field.mtpd')).getAttribute('aria-invalid')).not.toBe('true');
    // The API's rule (rtoBelowMtpd), in words with the durations as typed.
    const hours4 = await tr('plans.duration.hours', { n: 4 });
    expect(await describedBy(rto)).toContain(await tr('plans.rule.rtoBelowMtpd', { rto: hours4, mtpd: hours4 }));
    await page.getByRole('alert').first().waitFor();
    expect((await run.t.db.query('SELECT count(*)::int AS n FROM continuity_plans')).rows[0].n).toBe(0);
    await expectAccessible(page);
    await screenshot(page, `plan-editor-refused-${language}`);
    // The impact row alone, to read at the phone's width.
    await row.screenshot({ path: `.local/screenshots/plan-impact-row-refused-${language}-${width}.png` });

    // Fixed: 2 hours.
    await rto.fill('2');
    await page.getByRole('button', { name: exactly(await tr('plans.save.create')) }).click();
    await page.waitForURL(/\/plans\/[0-9a-f-]{36}\?saved=1$/);
    const planId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { level: 1, name: '線上申辦營運持續計畫 e-filing continuity' }).waitFor();
    await page.getByText(await tr('plans.saved', { version: 1 })).waitFor();
    await page
      .locator('[data-impact-table]')
      .getByText(await tr('plans.duration.hours', { n: 2 }))
      .waitFor();
    await page.locator('[data-review-clock="onTime"]').getByText('(UTC+8)').waitFor();
    await expectAccessible(page);
    await screenshot(page, `plan-v1-${language}`);

    // A change, with its reason: the RTO becomes 3 hours and a second criterion is added.
    await page.getByRole('link', { name: exactly(await tr('plans.edit.action')) }).click();
    await page.getByRole('heading', { name: exactly(await tr('plans.edit.title', { reference: 'SUB-BCP-001', version: 1 })) }).waitFor();
    const editRow = page.getByRole('group', { name: await tr('plans.impact.row', { n: 1 }) });
    await (await field(editRow, 'plans.field.rto')).fill('3');
    await page.getByRole('button', { name: exactly(await tr('plans.criteria.add')) }).click();
    await page.getByLabel(labelled(await tr('plans.criteria.row', { n: 2 }))).fill('颱風警報 typhoon warning');
    await expectAccessible(page);
    await screenshot(page, `plan-editor-${language}`);
    await page.getByRole('button', { name: exactly(await tr('plans.save.version')) }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await (await field(dialog, 'plans.field.changeReason')).fill('演練後調整 RTO adjusted after the drill');
    // axe reads colours: the dialog must have finished fading in.
    const faded = `[...document.querySelectorAll('[role="dialog"], .mantine-Modal-overlay')].every((e) => getComputedStyle(e).opacity === '1')`;
    await waitFor('the change-reason dialog shown in full', async () => ((await page.evaluate<boolean>(faded)) ? true : undefined));
    await expectAccessible(page);
    await screenshot(page, `plan-change-reason-${language}`);
    await dialog.getByRole('button', { name: exactly(await tr('plans.reason.save')) }).click();
    await page.waitForURL(new RegExp(`/plans/${planId}\\?saved=2$`));
    await page.getByText(await tr('plans.saved', { version: 2 })).waitFor();

    // The diff of version 1 and 2: each change with its old and its new value, under readable labels.
    await page.getByRole('button', { name: exactly(await tr('plans.diff.show')) }).click();
    const rtoChange = page.locator('[data-diff-path="/impactAnalysis/0/rto"]');
    await rtoChange.waitFor();
    await rtoChange.getByText(`${await tr('plans.section.impactAnalysis')} › ${await tr('plans.item', { n: 1 })} › ${await tr('plans.field.rto')}`).waitFor();
    expect(await rtoChange.locator('[data-diff-old]').innerText()).toContain(await tr('plans.duration.hours', { n: 2 }));
    expect(await rtoChange.locator('[data-diff-new]').innerText()).toContain(await tr('plans.duration.hours', { n: 3 }));
    const criterion = page.locator('[data-diff-path="/activationCriteria/1"]');
    expect(await criterion.locator('[data-diff-new]').innerText()).toContain('颱風警報 typhoon warning');
    await page.locator('[data-version="2"]').getByText('演練後調整 RTO adjusted after the drill').waitFor();
    await expectAccessible(page);
    await screenshot(page, `plan-diff-${language}`);

    // A yearly programme on 10 April at 10:00, functional: the preview shows the next five in Taipei time.
    const programme = page.locator('#programme');
    const programmeForm = programme.getByRole('group', { name: await tr('plans.programme.form.set') });
    await programmeForm.getByRole('radio', { name: exactly(await tr('plans.programme.frequency.yearly')) }).check();
    await (await field(programmeForm, 'plans.programme.month')).selectOption('4');
    await (await field(programmeForm, 'plans.programme.day')).selectOption('10');
    await (await field(programmeForm, 'plans.programme.time')).fill('10:00');
    await (await field(programmeForm, 'plans.programme.drillType')).selectOption('functional');
    const occurrences = programme.locator('[data-programme-preview] [data-occurrence]');
    await programme.getByText('2026-04-10 10:00 (UTC+8)').waitFor();
    expect(await occurrences.allInnerTexts()).toEqual(['2026', '2027', '2028', '2029', '2030'].map((y) => `${y}-04-10 10:00 (UTC+8)`));
    const previewed = [];
    for (const item of await occurrences.all()) previewed.push(await item.getAttribute('data-occurrence'));
    await expectAccessible(page);
    await screenshot(page, `plan-programme-${language}`);
    await programme.getByRole('button', { name: exactly(await tr('plans.programme.save')) }).click();
    await programme.getByText(await tr('plans.programme.saved')).waitFor();
    await programme.locator('[data-programme-summary] [data-next-drill]').waitFor();
    await programme
      .getByText(await tr('plans.programme.describe.yearly', { month: 4, day: 10, time: '10:00', type: await tr('plans.programme.drillType.functional') }))
      .waitFor();
    await expectAccessible(page);
    await screenshot(page, `plan-programme-saved-${language}`);
    // What the API schedules (its view covers the coming two years) is what the preview showed.
    const token = await login(run.t, COORDINATOR);
    const view = await run.t.http().get(`/api/continuity/plans/${planId}/programme`).set('Authorization', `Bearer ${token}`);
    expect(view.status).toBe(200);
    expect(view.body.upcoming.length).toBeGreaterThanOrEqual(2);
    expect(previewed.slice(0, view.body.upcoming.length)).toEqual(view.body.upcoming.slice(0, 5));
    const drillId = view.body.nextDrill.id as string;

    // The drill on the month calendar (10 April) and in the list, each linking to its page.
    await programme.getByRole('link', { name: exactly(await tr('plans.programme.onCalendar')) }).click();
    await page.waitForURL(/\/drills\?month=2026-04$/);
    await page.getByRole('heading', { name: exactly(await tr('drillsCalendar.month', { year: 2026, month: 4 })) }).waitFor();
    const onCalendar = page.locator(`td[data-day="10"] [data-calendar-drill="${drillId}"]`);
    await onCalendar.waitFor();
    expect(await onCalendar.getAttribute('href')).toBe(`/drills/${drillId}`);
    const listed = page.locator(`[data-drill-list] [data-drill="${drillId}"]`);
    await listed.getByText('2026-04-10 10:00 (UTC+8)').waitFor();
    expect(await listed.getByRole('link', { name: view.body.nextDrill.reference }).getAttribute('href')).toBe(`/drills/${drillId}`);
    await expectAccessible(page);
    await screenshot(page, `drills-calendar-${language}`);

    // The personal calendar link: created (shown once), copied, it works; revoked, it does not.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.url });
    await page.getByRole('button', { name: exactly(await tr('drillsCalendar.feed.create')) }).click();
    const urlField = page.getByLabel(exactly(await tr('drillsCalendar.feed.url')));
    await urlField.waitFor();
    const feedUrl = await urlField.inputValue();
    expect(feedUrl.startsWith(`${run.url}/api/drills/calendar.ics?token=`)).toBe(true);
    const feed = await fetch(feedUrl);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');
    await page.getByRole('button', { name: exactly(await tr('drillsCalendar.feed.copy')) }).click();
    await page.getByRole('button', { name: exactly(await tr('drillsCalendar.feed.copied')) }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(feedUrl);
    await expectAccessible(page);
    await screenshot(page, `drills-feed-${language}`);
    // After a reload the page knows there is a link (and when it was made) but cannot show it again.
    await page.reload();
    await page.locator('[data-feed-active]').getByText('2026-03-02 09:00 (UTC+8)').waitFor();
    expect(await urlField.count()).toBe(0);
    await page.getByRole('button', { name: exactly(await tr('drillsCalendar.feed.revoke')) }).click();
    await page.getByText(await tr('drillsCalendar.feed.revoked')).waitFor();
    await page.getByRole('button', { name: exactly(await tr('drillsCalendar.feed.create')) }).waitFor();
    expect((await fetch(feedUrl)).status).toBe(401);
    await expectAccessible(page);

    // The list of plans now shows the plan at version 2 with its next drill.
    await followNav(page, language, await tr('plans.nav.plans'));
    const listedPlan = page.locator(`[data-plan="${planId}"]`);
    await listedPlan.getByText(await tr('plans.version', { version: 2 })).waitFor();
    await listedPlan.getByText(await tr('plans.list.nextDrill', { at: '2026-04-10 10:00 (UTC+8)' })).waitFor();
    expect(await listedPlan.getByRole('link', { name: view.body.nextDrill.reference }).getAttribute('href')).toBe(`/drills/${drillId}`);
    await expectAccessible(page);
    await screenshot(page, `plans-list-${language}`);
    await page.context().close();
  }, 180_000);
});
