import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { fileIncident, send } from '../support/incident-fixture.js';
import { exactly, expectAccessible, labelled, openAs, screenshot, startConsole, text, USERS, type ConsoleRun, type Language } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

/*
 * The incident page's panels, the superior's review queue and the on-call page in Chromium, against
 * the real API, worker and SMTP sink: evidence hashed in the browser from a file the user picks,
 * a custody transfer with the hash re-checked, the notifications with each delivery's SMTP answer,
 * an acknowledgement from the paging panel, a subordinate's report reviewed, who is on call, and
 * the withheld notice of a redacted incident. zh-TW at 1280 px and English at 375 px.
 */

const EVIDENCE = Buffer.from('2026-03-02 08:55:01 GET /index.html 200 "defaced"\n'.repeat(50));
const EVIDENCE_SHA256 = createHash('sha256').update(EVIDENCE).digest('hex');

describe('incident panels, review queue and on-call page in Chromium', () => {
  let run: ConsoleRun;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const tr = (language: Language, key: string, values?: Record<string, string | number>) => text(language, key, values);

  beforeAll(async () => {
    run = await startConsole({ worker: true });
  }, 120_000);
  afterAll(() => run?.close());

  /** Waits until every delivery of the incident's notifications is sent (so the page shows the final state). */
  const allSent = (id: string) =>
    waitFor('every delivery sent', async () => {
      const { rows } = await run.t.db.query(`SELECT d.status, d.response FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.aggregate_id = $1`, [
        id,
      ]);
      return rows.length > 0 && rows.every((r) => r.status === 'sent') && (rows as Array<{ status: string; response: string }>);
    });

  it('shows notifications with the SMTP answer, acknowledges, shows the law-enforcement record, registers evidence and transfers it', async () => {
    const { world } = run;
    const filed = await fileIncident(run.t, world.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const sent = await allSent(filed.id);
    const lang: Language = 'zh-TW';
    const page = await openAs(run, { email: USERS.manager, language: lang, width: 1280, path: `/incidents/${filed.id}` });
    await page.getByRole('heading', { name: exactly(filed.reference) }).waitFor();

    // Notifications: each delivery delivered, with the SMTP server's answer as stored.
    const notifications = page.locator('section[aria-labelledby="panel-notifications"]');
    await notifications.locator('[data-status="sent"]').first().waitFor();
    await notifications.getByText(sent[0]!.response, { exact: false }).first().waitFor();
    expect(sent[0]!.response).toMatch(/^250\b/);
    await notifications
      .getByText(await tr(lang, 'panels.delivery.status.sent'))
      .first()
      .waitFor();

    // Paging: the manager is paged, not yet acknowledged; Acknowledge from the panel.
    const paging = page.locator('[data-panel="paging"]');
    await paging.locator('[data-paging="unacknowledged"]').waitFor();
    await paging.getByText(await tr(lang, 'panels.paging.paging', { target: await tr(lang, 'panels.role.on_call_manager') })).waitFor();
    await expectAccessible(page);
    await paging.getByRole('button', { name: exactly(await tr(lang, 'panels.paging.acknowledge')) }).click();
    await paging.locator('[data-paging="acknowledged"]').waitFor();
    await paging.getByText(await tr(lang, 'panels.paging.acknowledgedNow')).waitFor();
    const acked = await run.t.http().get(`/api/incidents/${filed.id}`).set(auth(world.tokens.manager));
    expect(acked.body.paging.acknowledgedAt).not.toBeNull();

    // Law enforcement contacted (through the API): agency, officer and case number on the page.
    expect(
      (
        await send(run.t, world.tokens.manager, filed.id, {
          type: 'TRIAGE',
          impact: { confidentiality: 1, integrity: 2, availability: 2 },
          category: 'web_attack',
        })
      ).status,
    ).toBe(200);
    expect((await send(run.t, world.tokens.manager, filed.id, { type: 'LE_REQUEST', reason: '未經授權存取 unauthorised access' })).status).toBe(200);
    const contacted = await send(run.t, world.tokens.manager, filed.id, {
      type: 'LE_CONTACTED',
      lawEnforcementAgency: 'investigation_bureau',
      officer: '王調查官 Agent Wang',
      caseNumber: 'MJIB-2026-17',
    });
    expect(contacted.status).toBe(200);
    await page.reload();
    const le = page.locator('[data-panel="law-enforcement"]');
    await le.locator('[data-le="agency"]', { hasText: await tr(lang, 'panels.le.agency.investigation_bureau') }).waitFor();
    await le.locator('[data-le="officer"]', { hasText: '王調查官 Agent Wang' }).waitFor();
    await le.locator('[data-le="caseNumber"]', { hasText: 'MJIB-2026-17' }).waitFor();

    // Evidence: a file picked in the browser, hashed there; only the hash, name and size are sent.
    const evidence = page.locator('[data-panel="evidence"]');
    await evidence.getByText(await tr(lang, 'panels.evidence.empty')).waitFor();
    await evidence.getByRole('button', { name: exactly(await tr(lang, 'panels.evidence.register')) }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByLabel(await tr(lang, 'panels.evidence.file'), { exact: true })
      .setInputFiles({ name: 'access.log', mimeType: 'text/plain', buffer: EVIDENCE });
    await dialog.locator(`[data-sha256="${EVIDENCE_SHA256}"]`).waitFor();
    expect(await dialog.getByLabel(labelled(await tr(lang, 'panels.evidence.description'))).inputValue()).toBe(
      await tr(lang, 'panels.evidence.fileSummary', { name: 'access.log', size: EVIDENCE.length }),
    );
    await dialog.getByLabel(labelled(await tr(lang, 'panels.evidence.source'))).fill('web server /var/log/nginx');
    await dialog.getByLabel(labelled(await tr(lang, 'panels.evidence.storage'))).fill('證物櫃 B-2 sealed bag 0042');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: exactly(await tr(lang, 'panels.evidence.submit')) }).click();
    await dialog.waitFor({ state: 'detached' });
    const item = evidence.locator('[data-evidence]');
    await item.locator(`[data-sha256="${EVIDENCE_SHA256}"]`).waitFor();
    const { rows: stored } = await run.t.db.query('SELECT sha256, description FROM evidence_items WHERE incident_id = $1', [filed.id]);
    expect(stored).toEqual([{ sha256: EVIDENCE_SHA256, description: expect.stringContaining('access.log') }]);

    // A transfer: a wrong hash typed shows the mismatch; the file picked again matches; recorded in the chain.
    await item.getByRole('button', { name: exactly(await tr(lang, 'panels.evidence.transfer')) }).click();
    const transfer = page.getByRole('dialog');
    expect(await transfer.getByLabel(labelled(await tr(lang, 'panels.evidence.from'))).inputValue()).toBe('manager');
    await transfer.getByLabel(labelled(await tr(lang, 'panels.evidence.to'))).fill('法務部調查局 王調查官');
    await transfer.getByLabel(labelled(await tr(lang, 'panels.evidence.purpose'))).fill('移交司法機關鑑識 forensics');
    const hashField = transfer.getByLabel(labelled(await tr(lang, 'panels.evidence.recheckHash')));
    await hashField.fill('0'.repeat(64));
    await transfer.locator('[data-hash-check="mismatch"]').waitFor();
    await expectAccessible(page);
    await transfer
      .getByLabel(await tr(lang, 'panels.evidence.recheckFile'), { exact: true })
      .setInputFiles({ name: 'access.log', mimeType: 'text/plain', buffer: EVIDENCE });
    await transfer.locator('[data-hash-check="match"]').waitFor();
    expect(await hashField.inputValue()).toBe(EVIDENCE_SHA256);
    await transfer.getByRole('button', { name: exactly(await tr(lang, 'panels.evidence.transferSubmit')) }).click();
    await transfer.waitFor({ state: 'detached' });
    await item.locator('[data-transfer="accepted"]', { hasText: '法務部調查局 王調查官' }).waitFor();
    await screenshot(page, 'incident-panels-zh-TW', { readme: true });
    await expectAccessible(page);

    // The same page in English on a phone.
    const phone = await openAs(run, { email: USERS.manager, language: 'en', width: 375, path: `/incidents/${filed.id}` });
    await phone.locator('[data-panel="evidence"] [data-transfer="accepted"]').waitFor();
    await phone.locator('section[aria-labelledby="panel-notifications"] [data-smtp-response]').first().waitFor();
    await expectAccessible(phone);
    await phone
      .locator('[data-panel="evidence"]')
      .getByRole('button', { name: exactly(await tr('en', 'panels.evidence.transfer')) })
      .click();
    await phone
      .getByRole('dialog')
      .getByLabel(labelled(await tr('en', 'panels.evidence.recheckHash')))
      .fill('f'.repeat(64));
    await phone.getByRole('dialog').locator('[data-hash-check="mismatch"]').waitFor();
    await expectAccessible(phone);
    await screenshot(phone, 'incident-panels-en');
    await phone.context().close();
    await page.context().close();
  }, 180_000);

  it('shows a redacted incident’s withheld notice with its reason', async () => {
    const filed = await fileIncident(run.t, run.world.tokens.responder, { classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
    for (const [language, width] of [
      ['zh-TW', 1280],
      ['en', 375],
    ] as const) {
      const page = await openAs(run, { email: USERS.reporter, language, width, path: `/incidents/${filed.id}` });
      const notice = page.locator('[data-panel="redacted"]');
      await notice.getByText(await tr(language, 'panels.redacted.title')).waitFor();
      await notice
        .getByText(await tr(language, 'panels.redacted.reason', { tlp: 'AMBER', dataLevel: await tr(language, 'panels.dataLevel.sensitive') }))
        .waitFor();
      // Nothing of the content: the title is not on the page; a reporter sees no evidence panel.
      expect(await page.getByText('官網首頁遭置換').count()).toBe(0);
      expect(await page.locator('[data-panel="evidence"]').count()).toBe(0);
      await expectAccessible(page);
      if (language === 'zh-TW') await screenshot(page, 'incident-redacted-zh-TW');
      await page.context().close();
    }
  }, 120_000);

  it('lists a subordinate’s reported incident in the superior’s review queue and reviews it through the dialog', async () => {
    const { world } = run;
    const filed = await fileIncident(run.t, world.tokens.reporter);
    expect(
      (
        await send(run.t, world.tokens.manager, filed.id, {
          type: 'TRIAGE',
          impact: { confidentiality: 1, integrity: 2, availability: 2 },
          category: 'web_attack',
        })
      ).status,
    ).toBe(200);
    expect(
      (await send(run.t, world.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-2026-0042' }))
        .status,
    ).toBe(200);

    const wide = await openAs(run, { email: USERS.supCiso, language: 'zh-TW', width: 1280, path: '/review' });
    await wide.getByRole('heading', { name: exactly(await tr('zh-TW', 'review.title')) }).waitFor();
    await wide.locator(`[data-review="${filed.id}"] [data-clock="superior_review"]`).waitFor();
    await expectAccessible(wide);
    await wide.context().close();

    const page = await openAs(run, { email: USERS.supCiso, language: 'en', width: 375, path: '/review' });
    const card = page.locator(`[data-review="${filed.id}"]`);
    await card.getByRole('link', { name: filed.reference }).waitFor();
    await card.locator('[data-clock="superior_review"] [data-clock-status="onTime"]').waitFor();
    await screenshot(page, 'review-queue-en', { readme: true });
    await expectAccessible(page);
    await card.getByRole('button', { name: `${await tr('en', 'review.open')} ${filed.reference}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(await tr('en', 'review.dialog.confirmed', { level: 2 })).waitFor();
    await dialog.getByLabel(labelled(await tr('en', 'review.dialog.level'))).selectOption('3');
    await dialog.getByText(await tr('en', 'review.dialog.changed', { from: 2, to: 3 })).waitFor();
    await dialog.getByLabel(labelled(await tr('en', 'review.dialog.note'))).fill('影響範圍含個資 personal data involved: level 3');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: exactly(await tr('en', 'review.dialog.submit')) }).click();
    await page.getByText(await tr('en', 'review.done', { reference: filed.reference })).waitFor();
    await card.waitFor({ state: 'detached' });
    const reviewed = await run.t.http().get(`/api/incidents/${filed.id}`).set(auth(world.tokens.supCiso));
    expect(reviewed.body.authority.review).toMatchObject({ level: 3, note: '影響範圍含個資 personal data involved: level 3' });
    expect(reviewed.body.level).toBe(3);
    await page.context().close();
  }, 120_000);

  it('shows who is on call now, the next hand-offs and the unacknowledged incidents', async () => {
    const { world } = run;
    const { rows } = await run.t.db.query(`SELECT id, email FROM users WHERE email IN ('responder@sub.gov.tw', 'ethics@sub.gov.tw')`);
    const id = (email: string) => rows.find((r) => r.email === email)!.id as string;
    const next = new Date(run.t.clock.now().getTime() + 2 * 3_600_000 + 8 * 3_600_000);
    const handoff = `${String(next.getUTCHours()).padStart(2, '0')}:${String(next.getUTCMinutes()).padStart(2, '0')}`;
    const created = await run.t
      .http()
      .post('/api/on-call/schedules')
      .set(auth(world.tokens.manager))
      .set('Idempotency-Key', randomUUID())
      .send({
        agencyId: world.sub,
        name: '資訊室值班 IT on call',
        layers: [
          {
            rotation: 'daily',
            // The next hand-off two hours from now (Taipei time): the responder is on call until then, the ethics officer next.
            handoffTime: handoff,
            startsAt: run.t.clock.now().toISOString(),
            participants: [id('responder@sub.gov.tw'), id('ethics@sub.gov.tw')],
          },
        ],
      });
    expect(created.status).toBe(201);
    const waiting = await fileIncident(run.t, world.tokens.reporter, {
      classification: { tlp: 'GREEN', dataLevel: 'general' },
      title: '未確認 Unacknowledged page',
    });

    for (const [language, width] of [
      ['zh-TW', 1280],
      ['en', 375],
    ] as const) {
      const page: Page = await openAs(run, { email: USERS.manager, language, width, path: '/oncall' });
      await page.getByRole('heading', { name: exactly(await tr(language, 'oncall.title')) }).waitFor();
      await page.locator('[data-on-call="responder@sub.gov.tw"]').waitFor();
      await page.locator('[data-handoff]').first().waitFor();
      await page.locator(`[data-oncall-incident="${waiting.id}"]`).waitFor();
      await expectAccessible(page);
      if (language === 'zh-TW') await screenshot(page, 'oncall-zh-TW', { readme: true });
      await page.context().close();
    }
  }, 120_000);
});
