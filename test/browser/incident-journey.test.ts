import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import { TEMPLATES } from '../../libs/notify/src/templates.js';
import {
  escaped,
  exactly,
  expectAccessible,
  labelled,
  mailTo,
  moveClocks,
  openAs,
  screenshot,
  startConsole,
  text,
  USERS,
  type ConsoleRun,
  type Language,
  type Width,
  followNav,
} from '../support/browser.js';
import { startDeadlineFiring, type DeadlineFiring } from '../support/deadline-firing.js';

/*
 * Article 41's journey through the console, as the people who take it, in one incident: a reporter
 * files a level-3 incident; the on-call manager sees it arrive on the board without reloading,
 * follows the page e-mail's link, acknowledges, triages and reports it within the hour; the
 * superior agency's reviewer, late (the breach shows live), reviews it; a responder contains it;
 * the ethics officer contacts law enforcement and hands the evidence over; the responder recovers;
 * the manager submits the improvement report; the CISO follows the e-mail to approve the closure.
 * Each step checks what the page shows (state, clocks, timeline) and the e-mail the SMTP sink got.
 * Time moves (server and browser together), it is never waited for.
 */

const EVIDENCE = Buffer.from('2026-03-02 08:55:01 203.0.113.7 PUT /index.html 201 "defaced"\n'.repeat(40));
const EVIDENCE_SHA256 = createHash('sha256').update(EVIDENCE).digest('hex');
const MINUTE = 60_000;

const incidentCount = async (run: ConsoleRun) => (await run.t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n as number;

/** The reporter fills the filing form: a level-3 web attack; returns the new incident's id. */
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
  return new URL(page.url()).pathname.split('/').pop()!;
}

describe.each<[Language, Width]>([
  ['zh-TW', 1280],
  ['en', 375],
])('the article-41 journey in Chromium (%s, %i px)', (language, width) => {
  let run: ConsoleRun;
  let deadlines: DeadlineFiring;
  const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);

  beforeAll(async () => {
    run = await startConsole({ worker: true });
    deadlines = await startDeadlineFiring(run.t);
  }, 120_000);
  afterAll(async () => {
    await deadlines?.close();
    await run?.close();
  });

  /** The e-mail of a template to `to` about the incident (subject in either language), with its link to the console's incident page. */
  async function mailed(template: string, to: string, reference: string, id: string) {
    const subjects = Object.values(TEMPLATES[template]!).map((t) => escaped(t.subject.replace('{ref}', reference)));
    const message = await mailTo(run, to, new RegExp(subjects.join('|')));
    expect(message.text).toContain(`${run.url}/incidents/${id}`);
    return message;
  }
  /** The link in an e-mail, as the reader clicks it. */
  const linkIn = (message: { text?: string }) => message.text!.match(/https?:\/\/\S+\/incidents\/[0-9a-f-]{36}/)![0];

  /** Where a region of the workflow stands, in words and as data. */
  async function region(page: Page, name: string, state: string) {
    const shown = page.locator(`[data-region="${name}"][data-region-state="${state}"]`);
    await shown.waitFor();
    await shown.getByText(await tr(`region.${name}.${state}`)).waitFor();
  }
  const clock = (page: Page, kind: string, status: string) => page.locator(`[data-clock="${kind}"] [data-clock-status="${status}"]`).first().waitFor();
  const entry = (page: Page, name: string) => page.locator(`[data-timeline-entry="${name}"]`).last().waitFor();

  /** Opens an event's dialog from the incident page's actions, lets `fill` type into it, sends, and waits for the confirmation. */
  async function act(page: Page, event: string, fill?: (dialog: Locator) => Promise<void>, options: { screenshot?: string } = {}) {
    const label = await tr(`event.${event}`);
    await page.getByRole('button', { name: exactly(label) }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    if (fill) await fill(dialog);
    if (options.screenshot) {
      await expectAccessible(page);
      await screenshot(page, options.screenshot);
    }
    await dialog.getByRole('button', { name: exactly(await tr('dialog.send')) }).click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByText(await tr('dialog.sent', { event: label }))
      .first()
      .waitFor();
  }
  const field = async (dialog: Locator, key: string) => dialog.getByLabel(labelled(await tr(key)));

  it('takes a level-3 incident from filing to the CISO’s approval of closure', async () => {
    // The on-call manager's board is open; the reporter files.
    const manager = await openAs(run, { email: USERS.manager, language, width, path: '/board' });
    await manager.getByRole('heading', { name: exactly(await tr('board.title')) }).waitFor();
    const reporter = await openAs(run, { email: USERS.reporter, language, width, path: '/incidents/new' });
    const title = `官網首頁遭置換 Website defaced (${language})`;
    const id = await fileLevelThree(run, reporter, language, title);
    const { rows } = await run.t.db.query('SELECT reference, level FROM incidents WHERE id = $1', [id]);
    const reference = rows[0].reference as string;
    expect(rows[0].level).toBe(3);
    await reporter.getByText(await tr('incident.filed', { reference })).waitFor();
    await reporter.getByRole('heading', { name: exactly(reference) }).waitFor();
    await reporter.getByText(await tr('regions.awaitingTriage')).waitFor();
    // The one-hour report clock runs: its due time is shown in the agency's zone, with the zone.
    const reportClock = reporter.locator('[data-clock="report"]');
    await reportClock.getByText('(UTC+8)').waitFor();
    await clock(reporter, 'report', 'onTime');
    await entry(reporter, 'filed');
    await screenshot(reporter, `incident-filed-${language}`);
    await expectAccessible(reporter);
    await reporter.context().close();

    // The manager's board shows it without a reload, within two seconds (the live stream; its poll is 30 s).
    await manager.getByText(title).waitFor({ timeout: 2_000 });
    await screenshot(manager, `board-${language}`, { readme: language === 'zh-TW' });
    await expectAccessible(manager);
    await mailed('incident.filed', USERS.manager, reference, id);

    // The manager is paged by e-mail and follows its link into the console; acknowledges from the paging panel.
    const paged = await mailed('incident.paged', USERS.manager, reference, id);
    await manager.goto(linkIn(paged));
    await manager.getByRole('heading', { name: exactly(reference) }).waitFor();
    const paging = manager.locator('[data-panel="paging"]');
    // The acknowledgement clock runs (minutes long, so already "due soon").
    await paging.locator('[data-clock="acknowledgement"] [data-clock-status="dueSoon"]').waitFor();
    await paging.getByRole('button', { name: exactly(await tr('panels.paging.acknowledge')) }).click();
    await paging.locator('[data-paging="acknowledged"]').waitFor();
    await entry(manager, 'acknowledged');
    await clock(manager, 'acknowledgement', 'met');
    await mailed('incident.acknowledged', USERS.manager, reference, id);

    // Triage confirms the impact (level 3): the response begins, the responders are told.
    await act(manager, 'TRIAGE', async (dialog) => {
      expect(await dialog.getByLabel(labelled(await tr('field.impact.integrity'))).inputValue()).toBe('3');
    });
    await region(manager, 'response', 'containing');
    await region(manager, 'authority', 'pending');
    await entry(manager, 'triaged');
    await mailed('incident.triaged', USERS.responder, reference, id);

    // Fifty minutes on, nobody has reported yet: the reminder goes out, the board shows "due soon", live.
    await followNav(manager, language, await tr('app.nav.board'));
    const row = manager.locator('tr, [data-incident]', { hasText: title }).first();
    await row.locator('[data-clock-status="onTime"]').first().waitFor();
    await moveClocks(run, [manager], 50 * MINUTE);
    expect((await deadlines.fireDue()).map((d) => d.kind)).toContain('report_due_soon');
    await row.locator('[data-clock="report"] [data-clock-status="dueSoon"]').waitFor();
    await mailed('deadline.report_due_soon', USERS.manager, reference, id);
    await expectAccessible(manager);

    // The manager opens it from the board and reports to the authority: the report clock is met, the superior's review clock starts.
    await row.getByRole('link', { name: reference }).click();
    await manager.getByRole('heading', { name: exactly(reference) }).waitFor();
    await act(manager, 'REPORT_TO_AUTHORITY', async (dialog) => {
      await (await field(dialog, 'field.channel')).selectOption('national_platform');
      await (await field(dialog, 'field.externalReference')).fill('NCCST-2026-0302-01');
    });
    await region(manager, 'authority', 'reported');
    await clock(manager, 'report', 'met');
    await clock(manager, 'superior_review', 'onTime');
    await entry(manager, 'reported_to_authority');
    const reviewRequested = await mailed('authority.review_requested', USERS.supCiso, reference, id);

    // The superior agency's reviewer follows the e-mail in, then takes the review queue.
    const reviewer = await openAs(run, { email: USERS.supCiso, language, width, path: new URL(linkIn(reviewRequested)).pathname });
    await reviewer.getByRole('heading', { name: exactly(reference) }).waitFor();
    await region(reviewer, 'authority', 'reported');
    await followNav(reviewer, language, await tr('panels.nav.review'));
    const card = reviewer.locator(`[data-review="${id}"]`);
    await card.locator('[data-clock="superior_review"] [data-clock-status="onTime"]').waitFor();

    // Two hours pass without a review: the badge turns overdue on the queue, and the breach reaches the manager's page live.
    await moveClocks(run, [manager, reviewer], 2 * 60 * MINUTE + MINUTE);
    await card.locator('[data-clock="superior_review"] [data-clock-status="overdue"]').waitFor();
    // The breach changes the incident (a new version): the queue refetches it live, so the review below sends the current version.
    const queueRefetched = reviewer.waitForResponse((r) => r.url().includes('awaitingReview=true') && r.ok());
    expect((await deadlines.fireDue()).map((d) => d.kind)).toContain('superior_review');
    await queueRefetched;
    await entry(manager, 'deadline_breached');
    await clock(manager, 'superior_review', 'overdue');
    await mailed('deadline.breached', USERS.supCiso, reference, id);
    await screenshot(reviewer, `journey-review-overdue-${language}`);
    await expectAccessible(reviewer);

    // The reviewer confirms level 3 with a note; the manager's page shows it reviewed.
    await card.getByRole('button', { name: `${await tr('review.open')} ${reference}` }).click();
    const review = reviewer.getByRole('dialog');
    await review.getByText(await tr('review.dialog.confirmed', { level: 3 })).waitFor();
    await review.getByLabel(labelled(await tr('review.dialog.note'))).fill('等級 3 確認，請依限完成復原 level 3 confirmed');
    await expectAccessible(reviewer);
    await review.getByRole('button', { name: exactly(await tr('review.dialog.submit')) }).click();
    await reviewer.getByText(await tr('review.done', { reference })).waitFor();
    await reviewer.context().close();
    await region(manager, 'authority', 'reviewed');
    await entry(manager, 'authority_reviewed');
    // The missed clock keeps its breach and now says the review came, late: no countdown running on.
    await clock(manager, 'superior_review', 'metLate');
    await mailed('authority.reviewed', USERS.manager, reference, id);

    // The manager decides law enforcement is needed (a defacement is a crime under article 358).
    await act(manager, 'LE_REQUEST', async (dialog) => {
      await (await field(dialog, 'field.reason')).fill('疑似違反刑法第 358 條 unauthorised access to a computer');
    });
    await region(manager, 'lawEnforcement', 'requested');
    const leRequested = await mailed('law_enforcement.requested', USERS.ethics, reference, id);

    // A responder contains the damage.
    const responder = await openAs(run, { email: USERS.responder, language, width, path: `/incidents/${id}` });
    await responder.getByRole('heading', { name: exactly(reference) }).waitFor();
    await clock(responder, 'recovery', 'onTime');
    await act(responder, 'CONTAINED', async (dialog) => {
      await (await field(dialog, 'field.summary')).fill('網站伺服器已隔離，首頁改為維護頁 web servers isolated, maintenance page up');
    });
    await region(responder, 'response', 'recovering');
    await entry(responder, 'contained');

    // The ethics officer follows the e-mail, records the contact, registers the evidence (hashed in the browser) and hands it over.
    const ethics = await openAs(run, { email: USERS.ethics, language, width, path: new URL(linkIn(leRequested)).pathname });
    await ethics.getByRole('heading', { name: exactly(reference) }).waitFor();
    await act(ethics, 'LE_CONTACTED', async (dialog) => {
      await (await field(dialog, 'field.lawEnforcementAgency')).selectOption('investigation_bureau');
      await (await field(dialog, 'field.officer')).fill('王調查官 Agent Wang');
      await (await field(dialog, 'field.caseNumber')).fill('MJIB-2026-0302');
    });
    await region(ethics, 'lawEnforcement', 'contacted');
    const le = ethics.locator('[data-panel="law-enforcement"]');
    await le.locator('[data-le="agency"]', { hasText: await tr('panels.le.agency.investigation_bureau') }).waitFor();
    await le.locator('[data-le="officer"]', { hasText: '王調查官 Agent Wang' }).waitFor();
    await le.locator('[data-le="caseNumber"]', { hasText: 'MJIB-2026-0302' }).waitFor();
    await mailed('law_enforcement.contacted', USERS.ciso, reference, id);

    const evidence = ethics.locator('[data-panel="evidence"]');
    await evidence.getByRole('button', { name: exactly(await tr('panels.evidence.register')) }).click();
    const register = ethics.getByRole('dialog');
    await register
      .getByLabel(await tr('panels.evidence.file'), { exact: true })
      .setInputFiles({ name: 'access.log', mimeType: 'text/plain', buffer: EVIDENCE });
    await register.locator(`[data-sha256="${EVIDENCE_SHA256}"]`).waitFor();
    await register.getByLabel(labelled(await tr('panels.evidence.source'))).fill('www.sub.gov.tw /var/log/nginx');
    await register.getByLabel(labelled(await tr('panels.evidence.storage'))).fill('證物櫃 B-2 sealed bag 0042');
    await register.getByRole('button', { name: exactly(await tr('panels.evidence.submit')) }).click();
    await register.waitFor({ state: 'detached' });
    await evidence.locator(`[data-evidence] [data-sha256="${EVIDENCE_SHA256}"]`).waitFor();

    await act(ethics, 'LE_EVIDENCE_HANDED_OVER', async (dialog) => {
      await dialog.getByRole('checkbox').first().check();
    });
    await region(ethics, 'lawEnforcement', 'evidence_handed_over');
    await ethics
      .locator('[data-timeline-entry="evidence_handed_over"]')
      .getByText(await tr('timeline.entry.evidence_handed_over', { n: 1 }))
      .waitFor();
    await act(ethics, 'LE_CONCLUDED', async (dialog) => {
      await (await field(dialog, 'field.note')).fill('調查局已受理並取得證物 the bureau has taken the case and the evidence');
    });
    await region(ethics, 'lawEnforcement', 'concluded');
    await screenshot(ethics, `journey-law-enforcement-${language}`);
    await expectAccessible(ethics);
    await ethics.context().close();

    // The responder recovers (live on their page: the law-enforcement region moved meanwhile): the recovery clock is met, the improvement report's starts.
    await region(responder, 'lawEnforcement', 'concluded');
    await act(responder, 'RECOVERED', async (dialog) => {
      await (await field(dialog, 'field.summary')).fill('首頁由備份還原，弱點已修補 restored from backup, CMS patched');
    });
    await clock(responder, 'recovery', 'met');
    await clock(responder, 'improvement_report', 'onTime');
    await entry(responder, 'recovered');
    await responder.context().close();
    await mailed('incident.recovered', USERS.manager, reference, id);

    // The manager submits the improvement report with a corrective action; it awaits the CISO.
    await region(manager, 'review', 'awaiting_report');
    // The parallel regions are over; each says where it ended.
    await region(manager, 'response', 'recovered');
    await region(manager, 'authority', 'reviewed');
    await region(manager, 'lawEnforcement', 'concluded');
    await act(
      manager,
      'SUBMIT_IMPROVEMENT_REPORT',
      async (dialog) => {
        await (await field(dialog, 'field.rootCause')).fill('CMS 外掛未更新，遭上傳網頁檔 an outdated CMS plug-in allowed a file upload');
        await (await field(dialog, 'field.measures.technical')).fill('移除外掛、啟用 WAF 規則 plug-in removed, WAF rule on');
        await (await field(dialog, 'field.measures.management')).fill('外掛更新納入每月弱點檢查 plug-ins in the monthly patch review');
        await (await field(dialog, 'field.schedule')).fill('2027 年 1 月底前完成 by the end of January 2027');
        await dialog.getByRole('button', { name: exactly(await tr('field.correctiveActions.add')) }).click();
        await (await field(dialog, 'field.correctiveActions.title')).fill('全站外掛盤點 inventory every CMS plug-in');
        await (await field(dialog, 'field.correctiveActions.owner')).selectOption({ index: 1 });
        await (await field(dialog, 'field.correctiveActions.dueAt')).fill('2027-01-29T17:00');
      },
      { screenshot: `journey-improvement-report-${language}` },
    );
    await region(manager, 'review', 'awaiting_approval');
    await clock(manager, 'improvement_report', 'met');
    await entry(manager, 'improvement_report_submitted');
    const { rows: actions } = await run.t.db.query("SELECT title FROM corrective_actions WHERE source_type = 'incident' AND source_id = $1", [id]);
    expect(actions).toEqual([{ title: '全站外掛盤點 inventory every CMS plug-in' }]);
    const approval = await mailed('incident.approval_requested', USERS.ciso, reference, id);

    // The CISO follows the e-mail (signing in on the way) and approves the closure.
    const ciso = await openAs(run, { email: USERS.ciso, language, width, path: new URL(linkIn(approval)).pathname });
    await ciso.getByRole('heading', { name: exactly(reference) }).waitFor();
    await act(ciso, 'APPROVE_CLOSURE');
    await ciso
      .getByText(exactly(await tr('state.closed')))
      .first()
      .waitFor();
    await entry(ciso, 'closed');
    await ciso.locator('[data-region-ended="closed"]').waitFor();
    await mailed('incident.closed', USERS.manager, reference, id);
    // The manager's page closed with it, live; the timeline tells the story in order, for the auditor.
    await manager
      .getByText(exactly(await tr('state.closed')))
      .first()
      .waitFor();
    const entries = ciso.locator('[data-timeline-entry]');
    const story: string[] = [];
    for (let i = 0; i < (await entries.count()); i++) story.push((await entries.nth(i).getAttribute('data-timeline-entry'))!);
    const expected = [
      'filed',
      'acknowledged',
      'triaged',
      'report_due_soon',
      'reported_to_authority',
      'deadline_breached',
      'authority_reviewed',
      'law_enforcement_requested',
      'contained',
      'law_enforcement_contacted',
      'evidence_handed_over',
      'law_enforcement_concluded',
      'recovered',
      'improvement_report_submitted',
      'closed',
    ];
    expect(story.filter((e) => expected.includes(e))).toEqual(expected);
    await screenshot(ciso, `journey-closed-${language}`, { readme: language === 'zh-TW' });
    await expectAccessible(ciso);
    await ciso.context().close();
    await manager.context().close();
  }, 420_000);
});
