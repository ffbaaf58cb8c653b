import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import {
  exactly,
  expectAccessible,
  labelled,
  moveClocks,
  openAs,
  screenshot,
  startConsole,
  text,
  USERS,
  type ConsoleRun,
  type Language,
  type Width,
} from '../support/browser.js';
import { waitFor } from '../support/wait.js';

/*
 * Article 41's journey through the console, as the people who take it: a reporter files a
 * level-3 incident; the on-call manager sees it arrive on the board without reloading; and so on to
 * the CISO's approval of closure. Each step checks what the page shows and what the SMTP sink got.
 */

const incidentCount = async (run: ConsoleRun) => (await run.t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n as number;

/** The reporter fills the filing form: a level-3 web attack; returns the incident page's path. */
async function fileLevelThree(run: ConsoleRun, page: Page, language: Language, title: string): Promise<string> {
  const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
  await page.getByRole('heading', { name: exactly(await tr('file.title')) }).waitFor();
  // Sent empty first: the API's field errors appear at their fields, and nothing is filed.
  const before = await incidentCount(run);
  await page.getByLabel(labelled(await tr('file.eventTitle'))).fill('   ');
  await page.getByRole('button', { name: exactly(await tr('file.submit')) }).click();
  await page.getByRole('alert').first().waitFor();
  const titleField = page.getByLabel(labelled(await tr('file.eventTitle')));
  await titleField.and(page.locator('[aria-invalid="true"]')).waitFor();
  expect(await incidentCount(run)).toBe(before);
  await expectAccessible(page);

  await titleField.fill(title);
  await page.getByLabel(labelled(await tr('file.description'))).fill('首頁被置換為不明標語，08:55 起。The home page shows a foreign banner since 08:55.');
  await page.getByLabel(labelled(await tr('file.affectedSystems'))).fill('www.sub.gov.tw\ncms.sub.gov.tw');
  await page.getByLabel(labelled(await tr('file.impact.integrity'))).selectOption('3');
  // The level and "major" are shown as the user chooses.
  await page.getByText(await tr('file.level', { level: 3 })).waitFor();
  await page.getByText(await tr('file.level.major')).waitFor();
  await page.getByRole('radio', { name: await tr('tlp.GREEN') }).check();
  await screenshot(page, `file-incident-${language}`, { readme: language === 'zh-TW' });
  await expectAccessible(page);
  // A double click files once (one Idempotency-Key per filing).
  await page.getByRole('button', { name: exactly(await tr('file.submit')) }).dblclick();
  await page.waitForURL(/\/incidents\/[0-9a-f-]{36}\?filed=1$/);
  expect(await incidentCount(run)).toBe(before + 1);
  const id = new URL(page.url()).pathname.split('/').pop()!;
  const { rows } = await run.t.db.query('SELECT reference FROM incidents WHERE id = $1', [id]);
  await page.getByText(await tr('incident.filed', { reference: rows[0].reference })).waitFor();
  return new URL(page.url()).pathname;
}

describe.each<[Language, Width]>([
  ['zh-TW', 1280],
  ['en', 375],
])('the article-41 journey in Chromium (%s, %i px)', (language, width) => {
  let run: ConsoleRun;
  const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);

  beforeAll(async () => {
    run = await startConsole({ worker: true });
  }, 120_000);
  afterAll(() => run?.close());

  it('takes a level-3 incident from filing to closure', async () => {
    const manager = await openAs(run, { email: USERS.manager, language, width, path: '/board' });
    await manager.getByRole('heading', { name: exactly(await tr('board.title')) }).waitFor();
    const reporter = await openAs(run, { email: USERS.reporter, language, width, path: '/incidents/new' });
    const title = `官網首頁遭置換 Website defaced (${language})`;
    const path = await fileLevelThree(run, reporter, language, title);
    const id = path.split('/').pop()!;
    const { rows } = await run.t.db.query('SELECT reference, level FROM incidents WHERE id = $1', [id]);
    expect(rows[0].level).toBe(3);
    await reporter.getByRole('heading', { name: exactly(rows[0].reference) }).waitFor();
    // The one-hour report clock runs: its due time is shown in the agency's zone, with the zone.
    const reportClock = reporter.locator('[data-clock="report"]');
    await reportClock.getByText('(UTC+8)').waitFor();
    expect(await reportClock.locator('[data-clock-status]').getAttribute('data-clock-status')).toBe('onTime');
    await screenshot(reporter, `incident-filed-${language}`);
    await expectAccessible(reporter);

    // The manager is paged by e-mail; its link opens the console's incident page.
    const page = await waitFor('the manager’s page e-mail', async () =>
      run.mail.messages.find((m) => JSON.stringify(m.to ?? '').includes(USERS.manager) && (m.text ?? '').includes(`${run.url}/incidents/${id}`)),
    );
    expect(page.subject).toContain(rows[0].reference);

    // The manager's board shows it without a reload, within two seconds (the live stream; its poll is 30 s).
    await manager.getByText(title).waitFor({ timeout: 2_000 });
    await screenshot(manager, `board-${language}`, { readme: language === 'zh-TW' });
    await expectAccessible(manager);

    // Fifty minutes on, the report clock is due soon; at the hour, overdue, on the board, live.
    await moveClocks(run, [manager, reporter], 50 * 60_000);
    const row = manager.locator('tr, [data-incident]', { hasText: title }).first();
    await row.locator('[data-clock-status="dueSoon"]').first().waitFor();
    await moveClocks(run, [manager, reporter], 11 * 60_000);
    await row.locator('[data-clock-status="overdue"]').first().waitFor();
    await expectAccessible(manager);
    await reporter.context().close();
    await manager.context().close();
  }, 300_000);
});
