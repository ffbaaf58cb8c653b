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
import { planBody } from '../support/continuity-fixture.js';
import { expectStatus as ok } from '../support/http.js';
import { login, seedUser } from '../support/test-app.js';

/*
 * A drill through the console, as the continuity coordinator and a corrective action's owner take
 * it: the plan and the drill are set up through the API (the plan editor has its own journey); the
 * coordinator reschedules, starts, records a participant, completes the drill and writes the
 * after-action report with two corrective actions (a refused first try shows its errors at their
 * fields); the owner finds theirs under "mine" and completes it; the coordinator verifies both; a
 * plan version that does not name the drill is refused at its field, one that does arrives live;
 * the coordinator closes the drill. Each step checks the page, the timeline and the database.
 */

const DAY = 86_400_000;
const COORDINATOR = 'bcp@sub.gov.tw';
const OWNER = 'owner@sub.gov.tw';
const RESPONDER = 'responder@sub.gov.tw';

/** `YYYY-MM-DDTHH:mm` in Taipei for an instant (what a datetime-local field takes). */
const taipeiLocal = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);

describe.each<[Language, Width]>([
  ['zh-TW', 1280],
  ['en', 375],
])('a drill to its after-action report and closure in Chromium (%s, %i px)', (language, width) => {
  let run: ConsoleRun;
  let coordinatorToken: string;
  let ownerId: string;
  let planId: string;
  let drillId: string;
  const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    run = await startConsole({ worker: true });
    const sub = run.world.sub;
    await seedUser(run.t, { agencyId: sub, email: COORDINATOR, roles: ['continuity_coordinator', 'reporter'] });
    ownerId = await seedUser(run.t, { agencyId: sub, email: OWNER, roles: ['responder', 'reporter'] });
    coordinatorToken = await login(run.t, COORDINATOR);
    const plan = ok(await run.t.http().post('/api/continuity/plans').set(auth(coordinatorToken)).send(planBody()), 201);
    planId = plan.id;
    const drill = ok(
      await run.t
        .http()
        .post(`/api/continuity/plans/${planId}/drills`)
        .set(auth(coordinatorToken))
        .send({ scheduledFor: new Date(run.t.clock.now().getTime() + 7 * DAY).toISOString(), drillType: 'tabletop' }),
      201,
    );
    drillId = drill.id;
  }, 120_000);
  afterAll(async () => {
    await run?.close();
  });

  const dbDrill = async () => (await run.t.db.query('SELECT state FROM drills WHERE id = $1', [drillId])).rows[0] as { state: string };
  const dbActions = async () =>
    (await run.t.db.query('SELECT title, owner_user_id, status, done_by, verified_by FROM corrective_actions WHERE source_id = $1 ORDER BY title', [drillId]))
      .rows as Array<{ title: string; owner_user_id: string; status: string; done_by: string | null; verified_by: string | null }>;
  const entry = (page: Page, name: string) => page.locator(`[data-timeline-entry="${name}"]`).last().waitFor();
  const state = (page: Page, name: string) => page.locator(`[data-drill-state="${name}"]`).waitFor();

  /** Opens an event's dialog from the drill page, lets `fill` type, sends and waits for the confirmation (or, with `refused`, for the refusal). */
  async function act(page: Page, event: string, fill?: (dialog: Locator) => Promise<void>, options: { shot?: string; refused?: boolean } = {}) {
    const label = await tr(`drillPage.event.${event}`);
    await page.getByRole('button', { name: exactly(label) }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    if (fill) await fill(dialog);
    if (options.shot) {
      await expectAccessible(page);
      await screenshot(page, `${options.shot}-${language}`);
    }
    await dialog.getByRole('button', { name: exactly(await tr('drillPage.dialog.send')) }).click();
    if (options.refused) {
      await dialog.locator('[data-refused]').waitFor();
      return dialog;
    }
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByText(await tr('drillPage.dialog.sent', { event: label }))
      .first()
      .waitFor();
    return dialog;
  }
  const field = async (scope: Locator | Page, key: string, values?: Record<string, string | number>) =>
    scope.getByLabel(labelled(await tr(key, values)), { exact: true });

  it('runs the drill, writes the report with two corrective actions, has them done and verified, and closes it', async () => {
    const page = await openAs(run, { email: COORDINATOR, language, width, path: `/drills/${drillId}` });
    const reference = (await run.t.db.query('SELECT reference FROM drills WHERE id = $1', [drillId])).rows[0].reference as string;
    await page.getByRole('heading', { name: exactly(reference) }).waitFor();
    await state(page, 'scheduled');
    // The scheduled time in the agency's zone, with the zone.
    await page.getByText('(UTC+8)').first().waitFor();
    await page.getByText(await tr('drillPage.type.tabletop')).waitFor();
    await entry(page, 'scheduled');
    await expectAccessible(page);
    await screenshot(page, `drill-scheduled-${language}`);

    // Rescheduled a day later (a new date in the agency's zone and a reason).
    const newDate = run.t.clock.now().getTime() + 8 * DAY;
    await act(
      page,
      'RESCHEDULE',
      async (dialog) => {
        await (await field(dialog, 'drillPage.field.date')).fill(taipeiLocal(newDate));
        await (await field(dialog, 'drillPage.field.reason')).fill('與報稅截止日衝突 Clashes with the filing deadline');
      },
      { shot: 'drill-reschedule' },
    );
    await entry(page, 'rescheduled');

    // Started, a participant recorded, completed.
    await act(page, 'START');
    await state(page, 'in_progress');
    await entry(page, 'started');
    await act(page, 'RECORD_PARTICIPANT', async (dialog) => {
      await (await field(dialog, 'drillPage.field.name')).fill('林志明');
      await (await field(dialog, 'drillPage.field.role')).fill('DBA');
    });
    await entry(page, 'participant_recorded');
    await act(page, 'RECORD_OBSERVATION', async (dialog) => {
      await (await field(dialog, 'drillPage.field.text')).fill('切換花了 40 分鐘：DNS TTL 過長 Failover took 40 minutes');
      await (await field(dialog, 'drillPage.field.capability')).fill('infrastructure systems');
    });
    await act(page, 'COMPLETE', async (dialog) => {
      await (await field(dialog, 'drillPage.field.summary')).fill('備援切換完成 Failover done');
    });
    await state(page, 'debrief');
    await entry(page, 'completed');
    expect((await dbDrill()).state).toBe('debrief');
    await expectAccessible(page);

    // The after-action report: sent with a blank scenario and an action without an owner, the errors show at their fields.
    const dialog = await act(
      page,
      'SUBMIT_AFTER_ACTION',
      async (d) => {
        // What the drill knows is already there: the participant recorded, the capability observed.
        expect(await (await field(d, 'drillPage.aar.participant.name', { n: 1 })).inputValue()).toBe('林志明');
        expect(await (await field(d, 'drillPage.aar.capability.name')).first().inputValue()).toBe('infrastructure systems');
        await (await field(d, 'drillPage.aar.objectives')).fill('RTO 內完成備援切換 Fail over within the RTO');
        await d.getByRole('button', { name: exactly(await tr('drillPage.aar.action.add')) }).click();
        await (await field(d, 'drillPage.aar.action.title')).fill('將 DNS 切換寫入程序 Add the DNS change to the runbook');
        await (await field(d, 'drillPage.aar.action.dueAt')).fill(taipeiLocal(run.t.clock.now().getTime() + 30 * DAY));
      },
      { refused: true },
    );
    await (await field(dialog, 'drillPage.aar.scenario')).and(page.locator('[aria-invalid="true"]')).waitFor();
    await (await field(dialog, 'drillPage.aar.action.owner')).and(page.locator('[aria-invalid="true"]')).waitFor();
    expect((await dbDrill()).state).toBe('debrief');
    await expectAccessible(page);
    await screenshot(page, `drill-aar-refused-${language}`);

    // Completed: scenario, a rating, strengths, areas for improvement, two actions (one owned by the owner), the plan must change.
    await (await field(dialog, 'drillPage.aar.scenario')).fill('颱風造成主機房斷電。A typhoon cuts power to the primary data centre.');
    await (await field(dialog, 'drillPage.aar.capability.rating')).first().selectOption('S');
    await (await field(dialog, 'drillPage.aar.strengths')).fill('程序書為最新版\nThe runbook was current');
    await (await field(dialog, 'drillPage.aar.areasForImprovement')).fill('DNS 切換需自動化');
    await (await field(dialog, 'drillPage.aar.action.owner')).selectOption({ label: `owner <${OWNER}>` });
    await dialog.getByRole('button', { name: exactly(await tr('drillPage.aar.action.add')) }).click();
    const second = dialog.locator('[data-action-row="1"]');
    await (await field(second, 'drillPage.aar.action.title')).fill('縮短 DNS TTL Shorten the DNS TTL');
    await (await field(second, 'drillPage.aar.action.owner')).selectOption({ label: `responder <${RESPONDER}>` });
    await (await field(second, 'drillPage.aar.action.dueAt')).fill(taipeiLocal(run.t.clock.now().getTime() + 20 * DAY));
    await (await field(dialog, 'drillPage.aar.planChangeRequired')).check();
    await expectAccessible(page);
    await screenshot(page, `drill-aar-${language}`);
    await dialog.getByRole('button', { name: exactly(await tr('drillPage.dialog.send')) }).click();
    await dialog.waitFor({ state: 'detached' });
    await state(page, 'improvement');
    await entry(page, 'after_action_submitted');
    await page.locator('[data-after-action] [data-rating="S"]').waitFor();
    await page.locator('[data-corrective-action][data-status="open"]').nth(1).waitFor();
    const actions = await dbActions();
    expect(actions.map((a) => [a.owner_user_id === ownerId, a.status])).toEqual(
      expect.arrayContaining([
        [true, 'open'],
        [false, 'open'],
      ]),
    );
    expect(actions).toHaveLength(2);
    await expectAccessible(page);
    await screenshot(page, `drill-improvement-${language}`);

    // The owner signs in, finds theirs under "mine" (not the other one), and completes it.
    const owner = await openAs(run, { email: OWNER, language, width, path: '/board' });
    await followNav(owner, language, await tr('ca.nav'));
    await owner.getByRole('heading', { name: exactly(await tr('ca.title')) }).waitFor();
    const mine = owner.locator('[data-corrective-action]');
    await mine.first().waitFor();
    expect(await mine.count()).toBe(1);
    await mine.getByText('Add the DNS change to the runbook', { exact: false }).waitFor();
    await mine.getByRole('link', { name: reference }).waitFor();
    await expectAccessible(owner);
    await screenshot(owner, `actions-mine-${language}`);
    await mine.getByRole('button', { name: exactly(await tr('ca.move.start')) }).click();
    const start = owner.getByRole('dialog');
    await start.getByRole('button', { name: exactly(await tr('ca.move.start')) }).click();
    await start.waitFor({ state: 'detached' });
    await owner.locator('[data-corrective-action][data-status="in_progress"]').waitFor();
    await mine.getByRole('button', { name: exactly(await tr('ca.move.done')) }).click();
    const done = owner.getByRole('dialog');
    await (await field(done, 'ca.note.optional')).fill('程序書 v3 已發布 Runbook v3 published');
    await expectAccessible(owner);
    await screenshot(owner, `actions-done-dialog-${language}`);
    await done.getByRole('button', { name: exactly(await tr('ca.move.done')) }).click();
    await done.waitFor({ state: 'detached' });
    await owner.locator('[data-corrective-action][data-status="done"]').waitFor();
    // The owner cannot verify their own work: no such button.
    expect(await owner.getByRole('button', { name: exactly(await tr('ca.move.verify')) }).count()).toBe(0);
    // "My unit" is empty for someone without a unit; "overdue" too.
    await owner.getByRole('tab', { name: exactly(await tr('ca.tab.unit')) }).click();
    await owner.getByText(await tr('ca.empty.unit')).waitFor();
    await owner.getByRole('tab', { name: exactly(await tr('ca.tab.overdue')) }).click();
    await owner.getByText(await tr('ca.empty.overdue')).waitFor();
    await expectAccessible(owner);
    await owner.context().close();
    expect((await dbActions()).find((a) => a.owner_user_id === ownerId)).toMatchObject({ status: 'done', done_by: ownerId });

    // The responder finishes the other one through the API.
    const responderToken = await login(run.t, RESPONDER);
    const other = ok(await run.t.http().get(`/api/corrective-actions?sourceId=${drillId}&owner=me`).set(auth(responderToken))).items[0];
    ok(
      await run.t.http().patch(`/api/corrective-actions/${other.id}`).set(auth(responderToken)).set('If-Match', String(other.version)).send({ status: 'done' }),
    );

    // The coordinator verifies both from the corrective actions page ("all"), and follows the link back to the drill.
    await page.goto(`${run.url}/actions?tab=all`);
    await page.getByRole('heading', { name: exactly(await tr('ca.title')) }).waitFor();
    await page.locator('[data-corrective-action][data-status="done"]').nth(1).waitFor();
    await expectAccessible(page);
    await screenshot(page, `actions-all-${language}`);
    for (let i = 0; i < 2; i++) {
      await page
        .getByRole('button', { name: exactly(await tr('ca.move.verify')) })
        .first()
        .click();
      const verify = page.getByRole('dialog');
      await verify.getByRole('button', { name: exactly(await tr('ca.move.verify')) }).click();
      await verify.waitFor({ state: 'detached' });
      await page.locator('[data-corrective-action][data-status="verified"]').nth(i).waitFor();
    }
    const verified = await dbActions();
    expect(verified.map((a) => a.status)).toEqual(['verified', 'verified']);
    const coordinatorId = (await run.t.db.query('SELECT id FROM users WHERE email = $1', [COORDINATOR])).rows[0].id;
    expect(verified.every((a) => a.verified_by === coordinatorId)).toBe(true);
    await page.locator('[data-corrective-action]').first().getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: exactly(reference) }).waitFor();

    // A plan version that does not name the drill is refused at the plan version field.
    const put = async (version: number, extra: Record<string, unknown>) =>
      ok(
        await run.t
          .http()
          .put(`/api/continuity/plans/${planId}`)
          .set(auth(coordinatorToken))
          .set('If-Match', String(version))
          .send({ ...planBody(), ...extra }),
      );
    await put(1, { changeReason: '聯絡人更新 contacts' });
    const refused = await act(page, 'PLAN_UPDATED', undefined, { refused: true });
    await (await field(refused, 'drillPage.field.planVersion')).and(page.locator('[aria-invalid="true"]')).waitFor();
    expect(await (await field(refused, 'drillPage.field.planVersion')).inputValue()).toBe('2');
    await expectAccessible(page);
    await screenshot(page, `drill-plan-refused-${language}`);
    await refused.getByRole('button', { name: exactly(await tr('drillPage.dialog.cancel')) }).click();

    // A version that names it: the drill page shows the plan update without a reload (the live stream), then the coordinator closes.
    await put(2, { changeReason: '依演練發現修訂 drill findings', addressesDrillIds: [drillId] });
    // The drill's own fact (the timeline's entry says the same in other words).
    const fact = `${await tr('drillPage.planUpdate')}${await tr('ca.colon')}${await tr('drillPage.planUpdate.version', { n: 3 })}`;
    await page.getByText(exactly(fact)).waitFor({ timeout: 5_000 });
    await entry(page, 'plan_updated');
    await act(page, 'CLOSE');
    await state(page, 'closed');
    await entry(page, 'closed');
    expect((await dbDrill()).state).toBe('closed');
    const timeline = ok(await run.t.http().get(`/api/drills/${drillId}/timeline`).set(auth(coordinatorToken))).items.map((e: { entry: string }) => e.entry);
    expect(timeline).toEqual(
      expect.arrayContaining(['scheduled', 'rescheduled', 'started', 'participant_recorded', 'completed', 'after_action_submitted', 'plan_updated', 'closed']),
    );
    expect(await page.getByRole('button', { name: exactly(await tr('drillPage.event.CLOSE')) }).count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, `drill-closed-${language}`);

    // The after-action report, ready to print, from the drill page.
    await page.locator('[data-report-link]').click();
    await page.getByRole('heading', { name: exactly(await tr('doc.drill.title')) }).waitFor();
    await page.getByText('Add the DNS change to the runbook', { exact: false }).waitFor();
    await page.getByRole('button', { name: exactly(await tr('doc.download')) }).waitFor();
    await expectAccessible(page);
    await screenshot(page, `drill-report-${language}`);
    await page.context().close();
  }, 300_000);
});
