import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  exactly,
  expectAccessible,
  labelled,
  openAs,
  screenshot,
  startConsole,
  text,
  USERS,
  type ConsoleRun,
  type Language,
  type Width,
} from '../support/browser.js';
import { fileIncident } from '../support/incident-fixture.js';

/*
 * The incident page's actions as two people use them at once: a responder's dialog is open while
 * the on-call manager acts first; the responder gets the stale-version message with what they typed
 * kept, and sending again works. A refused event (422) says why at its field. What people type
 * shows as text on the timeline, never as markup. zh-TW at 1280 px and English at 375 px.
 */

const MARKUP = '<img src=x onerror="window.__xss=1"><b>粗體 bold</b> 已隔離網頁伺服器 web server isolated';

describe('incident actions in Chromium', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole();
  }, 120_000);
  afterAll(() => run?.close());

  /** A filed incident the manager has triaged (so it is responding: CONTAINED open to both). */
  async function respondingIncident() {
    const filed = await fileIncident(run.t, run.world.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const res = await run.t
      .http()
      .post(`/api/incidents/${filed.id}/events`)
      .set('Authorization', `Bearer ${run.world.tokens.manager}`)
      .set('If-Match', String(filed.version))
      .set('Idempotency-Key', randomUUID())
      .send({ type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack', subcategory: 'defacement' });
    expect(res.status).toBe(200);
    return filed;
  }
  const entries = async (id: string, entry: string) =>
    (await run.t.db.query('SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = $1 AND entry = $2', [id, entry])).rows[0].n as number;

  it.each<[Language, Width]>([
    ['zh-TW', 1280],
    ['en', 375],
  ])(
    'two people on one incident, a refusal, and markup as text (%s, %i px)',
    async (language, width) => {
      const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
      const incident = await respondingIncident();
      const path = `/incidents/${incident.id}`;
      const [manager, responder] = await Promise.all([
        openAs(run, { email: USERS.manager, language, width, path }),
        openAs(run, { email: USERS.responder, language, width, path }),
      ]);
      for (const page of [manager, responder]) await page.getByRole('heading', { name: exactly(incident.reference) }).waitFor();
      // The header says where each region stands, in words.
      await responder
        .locator('[data-region="response"]')
        .getByText(await tr('region.response.containing'))
        .waitFor();
      await responder
        .locator('[data-region="lawEnforcement"]')
        .getByText(await tr('region.lawEnforcement.undecided'))
        .waitFor();
      await expectAccessible(responder);

      // The responder opens "contained" and types; meanwhile the manager decides on law enforcement.
      await responder.getByRole('button', { name: exactly(await tr('event.CONTAINED')) }).click();
      const dialog = responder.getByRole('dialog');
      const summary = dialog.getByLabel(labelled(await tr('field.summary')));
      await summary.fill(MARKUP);
      await expectAccessible(responder);
      await screenshot(responder, `incident-actions-dialog-${language}`);

      await manager.getByRole('button', { name: exactly(await tr('event.LE_NOT_REQUIRED')) }).click();
      await manager
        .getByRole('dialog')
        .getByLabel(labelled(await tr('field.reason')))
        .fill('無犯罪行為 no criminal act');
      await manager
        .getByRole('dialog')
        .getByRole('button', { name: exactly(await tr('dialog.send')) })
        .click();
      await manager.getByRole('dialog').waitFor({ state: 'detached' });
      await manager.getByText(await tr('dialog.sent', { event: await tr('event.LE_NOT_REQUIRED') })).waitFor();

      // The responder sends on the version they saw: someone acted first. The page reloads, the text stays.
      await dialog.getByRole('button', { name: exactly(await tr('dialog.send')) }).click();
      await dialog.getByText(await tr('dialog.stale')).waitFor();
      expect(await summary.inputValue()).toBe(MARKUP);
      expect(await entries(incident.id, 'contained')).toBe(0);
      await responder
        .locator('[data-region="lawEnforcement"]')
        .getByText(await tr('region.lawEnforcement.not_required'))
        .waitFor();
      await expectAccessible(responder);
      // Sending again works, once.
      await dialog.getByRole('button', { name: exactly(await tr('dialog.send')) }).click();
      await dialog.waitFor({ state: 'detached' });
      await responder
        .locator('[data-region="response"]')
        .getByText(await tr('region.response.recovering'))
        .waitFor();
      expect(await entries(incident.id, 'contained')).toBe(1);

      // The timeline shows the markup as the text it is, oldest entry first.
      const contained = responder.locator('[data-timeline-entry="contained"]');
      await contained.waitFor();
      expect(await contained.locator('[data-detail="summary"]').textContent()).toContain(MARKUP);
      expect(await contained.locator('img, b').count()).toBe(0);
      expect(await responder.evaluate<string>('typeof window.__xss')).toBe('undefined');
      const order = await Promise.all((await responder.locator('[data-timeline-entry]').all()).map((l) => l.getAttribute('data-timeline-entry')));
      expect(order[0]).toBe('filed');
      expect(order.indexOf('law_enforcement_not_required')).toBeLessThan(order.indexOf('contained'));
      await contained.getByText('(UTC+8)').waitFor();

      // A refused event: reclassifying to the impact it already has. The reason is at the field.
      // (The manager reloads first: their page may not have seen the responder's event yet, which would be a 409.)
      await manager.reload();
      await manager
        .locator('[data-region="response"]')
        .getByText(await tr('region.response.recovering'))
        .waitFor();
      await manager.getByRole('button', { name: exactly(await tr('event.RECLASSIFY')) }).click();
      const reclassify = manager.getByRole('dialog');
      await reclassify.getByLabel(labelled(await tr('field.reason'))).fill('重新評估 reassessed');
      await reclassify.getByRole('button', { name: exactly(await tr('dialog.send')) }).click();
      await reclassify.locator('[data-error="impact"]').waitFor();
      expect(await reclassify.locator('[data-refused]').isVisible()).toBe(true);
      expect(await reclassify.getByLabel(labelled(await tr('field.impact.confidentiality'))).getAttribute('aria-invalid')).toBe('true');
      expect(await entries(incident.id, 'reclassified')).toBe(0);
      await expectAccessible(manager);
      await screenshot(manager, `incident-actions-refused-${language}`);
      await reclassify
        .getByRole('button', { name: exactly(await tr('dialog.cancel')) })
        .last()
        .click();
      await reclassify.waitFor({ state: 'detached' });

      await screenshot(responder, `incident-actions-${language}`, { readme: language === 'zh-TW' });
      await manager.context().close();
      await responder.context().close();
    },
    180_000,
  );
});
