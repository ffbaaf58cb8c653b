import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  exactly,
  expectAccessible,
  followNav,
  labelled,
  openAs,
  screenshot,
  signIn,
  startConsole,
  text,
  type ConsoleRun,
  type Language,
  type Width,
} from '../support/browser.js';
import { login, seedUser } from '../support/test-app.js';

/*
 * An agency admin runs the agency from the console, in both languages and widths: creates a vendor
 * account that expires (the expiry is what the database holds; the vendor signs in with the
 * temporary password shown once), disables a user whose console is open in another browser (that
 * page ends at the login), creates a unit and a subordinate agency, edits the policy in words (a
 * clock lengthened beyond the law is refused at its field, a stale version is caught, a valid
 * change is saved and read back), adds an on-call schedule and an override, and adds, disables and
 * deletes a webhook. Every screen is checked with axe and photographed.
 */

const DAY = 86_400_000;

/** A local datetime-local value in Asia/Taipei (UTC+8, no DST) for an instant. */
function taipeiLocal(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

describe('administration in Chromium', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' } });
  }, 120_000);
  afterAll(() => run?.close());

  it.each<[Language, Width]>([
    ['zh-TW', 1280],
    ['en', 375],
  ])(
    'an admin manages accounts, units, agencies, policy, on-call and webhooks (%s, %i px)',
    async (language, width) => {
      const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
      const tag = language === 'en' ? 'en' : 'zh';
      const adminEmail = `admin.${tag}@sub.gov.tw`;
      const victimEmail = `leaver.${tag}@sub.gov.tw`;
      await seedUser(run.t, { agencyId: run.world.sub, email: adminEmail, roles: ['admin', 'reporter'] });
      await seedUser(run.t, { agencyId: run.world.sub, email: victimEmail, roles: ['reporter'] });

      const page = await openAs(run, { email: adminEmail, language, width, path: '/board' });
      const section = async (key: string) => {
        await page
          .getByRole('navigation', { name: exactly(await tr('admin.sections')) })
          .getByRole('link', { name: exactly(await tr(key)) })
          .click();
      };
      const field = async (key: string, values?: Record<string, string | number>) => page.getByLabel(labelled(await tr(key, values)));

      // Users: through the navigation, as an admin finds it.
      await followNav(page, language, await tr('admin.nav'));
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.users.title')) }).waitFor();
      await page.locator(`[data-user="${adminEmail}"]`).waitFor();
      await screenshot(page, `admin-users-${language}`);
      await expectAccessible(page);

      // A vendor account that expires in 30 days; the temporary password is shown once.
      const vendorEmail = `vendor.${tag}@contractor.example.com`;
      const expiresAt = Math.floor((run.t.clock.now().getTime() + 30 * DAY) / 60_000) * 60_000;
      await (await field('admin.users.field.name')).fill(language === 'en' ? 'Vendor Engineer' : '廠商工程師');
      await (await field('admin.users.field.email')).fill(vendorEmail);
      await page.getByRole('checkbox', { name: exactly(await tr('admin.role.vendor')) }).check();
      await (await field('admin.users.field.expiresAt', { zone: 'UTC+8' })).fill(taipeiLocal(expiresAt));
      await page.getByRole('button', { name: exactly(await tr('admin.users.submit')) }).click();
      const secret = page.locator('#admin-temp-password');
      await secret.waitFor();
      const temporaryPassword = (await secret.textContent())!.trim();
      expect(temporaryPassword.length).toBeGreaterThanOrEqual(12);
      await page.locator(`[data-user="${vendorEmail}"]`).waitFor();
      await screenshot(page, `admin-user-created-${language}`);
      await expectAccessible(page);
      const vendor = await run.t.db.query(
        `SELECT u.expires_at, u.must_change_password, array_agg(r.role ORDER BY r.role) AS roles
         FROM users u JOIN role_memberships r ON r.user_id = u.id WHERE u.email = $1 GROUP BY u.id`,
        [vendorEmail],
      );
      expect(new Date(vendor.rows[0].expires_at).getTime()).toBe(expiresAt);
      expect(vendor.rows[0].roles).toEqual(['vendor']);
      expect(vendor.rows[0].must_change_password).toBe(true);

      // The vendor signs in with the temporary password: straight to the forced password change.
      const vendorPage = await openAs(run, { email: null, language, width, path: '/login' });
      await signIn(vendorPage, language, vendorEmail, temporaryPassword);
      await vendorPage.getByRole('heading', { name: exactly(await tr('password.title')) }).waitFor();
      await vendorPage.context().close();

      // The admin shortens the vendor's life to 10 days and has it notified in English.
      const vendorName = language === 'en' ? 'Vendor Engineer' : '廠商工程師';
      await page.getByRole('button', { name: exactly(await tr('admin.users.editOf', { name: vendorName })) }).click();
      const editDialog = page.getByRole('dialog');
      const shorter = expiresAt - 20 * DAY;
      await editDialog.getByLabel(labelled(await tr('admin.users.field.expiresAt', { zone: 'UTC+8' }))).fill(taipeiLocal(shorter));
      await editDialog.getByLabel(labelled(await tr('admin.users.field.locale'))).selectOption('en');
      await screenshot(page, `admin-user-edit-${language}`);
      await expectAccessible(page);
      await editDialog.getByRole('button', { name: exactly(await tr('admin.save')) }).click();
      await editDialog.waitFor({ state: 'detached' });
      const edited = await run.t.db.query('SELECT expires_at, locale FROM users WHERE email = $1', [vendorEmail]);
      expect(new Date(edited.rows[0].expires_at).getTime()).toBe(shorter);
      expect(edited.rows[0].locale).toBe('en');

      // A user with a console open elsewhere is disabled: the confirmation says every session ends.
      const victim = await openAs(run, { email: victimEmail, language, width, path: '/incidents/new' });
      await victim.getByRole('heading', { name: exactly(await tr('file.title')) }).waitFor();
      const victimName = victimEmail.split('@')[0]!;
      await page.getByRole('button', { name: exactly(await tr('admin.users.disableOf', { name: victimName })) }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(await tr('admin.users.disable.body', { name: victimName, email: victimEmail })).waitFor();
      await screenshot(page, `admin-user-disable-${language}`);
      await expectAccessible(page);
      await dialog.getByRole('button', { name: exactly(await tr('admin.users.disable.confirm')) }).click();
      await dialog.waitFor({ state: 'detached' });
      await page
        .locator(`[data-user="${victimEmail}"]`)
        .getByText(await tr('admin.users.status.disabled'), { exact: true })
        .waitFor();
      expect((await run.t.db.query('SELECT disabled_at FROM users WHERE email = $1', [victimEmail])).rows[0].disabled_at).not.toBeNull();
      // The victim's next request is refused: their page ends at the login.
      await followNav(victim, language, await tr('app.nav.board'));
      await victim.getByRole('heading', { name: exactly(await tr('login.title')) }).waitFor();
      await victim.context().close();

      // Units.
      const unitName = language === 'en' ? 'Security team' : '資安小組';
      await section('admin.section.units');
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.units.title')) }).waitFor();
      await (await field('admin.units.field.name')).fill(unitName);
      await (await field('admin.units.field.type')).selectOption('it');
      await page.getByRole('button', { name: exactly(await tr('admin.units.submit')) }).click();
      await page.locator(`[data-unit="${unitName}"]`).waitFor();
      expect((await run.t.db.query('SELECT type FROM units WHERE name = $1 AND agency_id = $2', [unitName, run.world.sub])).rows).toEqual([{ type: 'it' }]);
      await screenshot(page, `admin-units-${language}`);
      await expectAccessible(page);

      // The agency tree, and a subordinate agency under SUB.
      const code = language === 'en' ? 'SUBEN' : 'SUBZH';
      await section('admin.section.agencies');
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.agencies.title')) }).waitFor();
      await page.locator('[data-agency="SUB"]').waitFor();
      await (await field('admin.agencies.field.name')).fill(language === 'en' ? 'District office' : '區公所');
      await (await field('admin.agencies.field.code')).fill(code);
      await page.getByRole('button', { name: exactly(await tr('admin.agencies.submit')) }).click();
      await page.locator(`[data-agency="SUB"] [data-agency="${code}"]`).waitFor();
      await screenshot(page, `admin-agencies-${language}`);
      await expectAccessible(page);

      // The policy in words.
      await section('admin.section.policy');
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.policy.title')) }).waitFor();
      const reportMajor = await field('admin.policy.clock.major', { clock: await tr('admin.policy.clock.report') });
      await reportMajor.waitFor();
      expect(await reportMajor.inputValue()).toMatch(language === 'en' ? /^(1 hour|\d+ minutes)$/ : /^(1 小時|\d+ 分鐘)$/);
      await screenshot(page, `admin-policy-${language}`);
      await expectAccessible(page);
      const save = page.getByRole('button', { name: exactly(await tr('admin.save')) });
      const token = await login(run.t, adminEmail);
      const readPolicy = async () =>
        (await run.t.http().get(`/api/agencies/${run.world.sub}/policy`).set('Authorization', `Bearer ${token}`)).body as {
          version: number;
          policy: { clocks: { report: { major: string } }; acknowledgementTimeout: string };
        };
      const before = await readPolicy();

      // Not a duration: said at the field, nothing sent.
      const ack = await field('admin.policy.acknowledgementTimeout');
      await ack.fill(language === 'en' ? 'soon' : '很快');
      await save.click();
      await ack.and(page.locator('[aria-invalid="true"]')).waitFor();
      await page.getByText(await tr('admin.policy.duration.invalid')).waitFor();
      expect((await readPolicy()).version).toBe(before.version);
      await ack.fill(language === 'en' ? '15 minutes' : '15 分鐘');

      // Lengthened beyond the law (2 hours, the law says 1): the API's refusal at the field.
      await reportMajor.fill(language === 'en' ? '2 hours' : '2 小時');
      await save.click();
      await reportMajor.and(page.locator('[aria-invalid="true"]')).waitFor();
      await page.getByRole('alert').first().waitFor();
      expect((await readPolicy()).version).toBe(before.version);
      await screenshot(page, `admin-policy-refused-${language}`);
      await expectAccessible(page);

      // Someone else saves meanwhile: the page's save is refused as stale and reloads the latest.
      const changed = { ...before.policy, acknowledgementTimeout: 'PT10M' };
      const other = await run.t
        .http()
        .put(`/api/agencies/${run.world.sub}/policy`)
        .set('Authorization', `Bearer ${token}`)
        .set('If-Match', `"${before.version}"`)
        .send(changed);
      expect(other.status).toBe(200);
      const wanted = language === 'en' ? '30 minutes' : '45 分鐘';
      await reportMajor.fill(wanted);
      await save.click();
      await page.getByText(await tr('admin.policy.stale', { version: before.version + 1 })).waitFor();
      await screenshot(page, `admin-policy-stale-${language}`);
      await expectAccessible(page);
      await page.getByRole('button', { name: exactly(await tr('admin.policy.reload')) }).click();
      await page.getByText(await tr('admin.policy.version', { version: before.version + 1 }), { exact: true }).waitFor();
      expect(await (await field('admin.policy.acknowledgementTimeout')).inputValue()).toBe(language === 'en' ? '10 minutes' : '10 分鐘');
      await reportMajor.fill(wanted);
      await save.click();
      await page.getByText(await tr('admin.policy.saved', { version: before.version + 2 })).waitFor();
      const after = await readPolicy();
      expect(after.version).toBe(before.version + 2);
      expect(after.policy.clocks.report.major).toBe(language === 'en' ? 'PT30M' : 'PT45M');
      expect(after.policy.acknowledgementTimeout).toBe('PT10M');
      expect(await reportMajor.inputValue()).toBe(wanted);
      await expectAccessible(page);

      // On-call: a schedule with one weekly layer, then an override.
      const scheduleName = language === 'en' ? 'IT on call' : '資訊室值班';
      await section('admin.section.oncall');
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.oncall.title')) }).waitFor();
      await (await field('admin.oncall.field.name')).fill(scheduleName);
      const layer = page.locator('[data-layer="1"]');
      await layer.getByRole('checkbox', { name: exactly('manager') }).check();
      await layer.getByRole('checkbox', { name: exactly('responder') }).check();
      await screenshot(page, `admin-oncall-form-${language}`);
      await expectAccessible(page);
      await page.getByRole('button', { name: exactly(await tr('admin.oncall.submit')) }).click();
      const schedule = page.locator(`[data-schedule="${scheduleName}"]`);
      await schedule.waitFor();
      await schedule.getByRole('button', { name: exactly(await tr('admin.oncall.addOverrideTo', { name: scheduleName })) }).click();
      const overrideDialog = page.getByRole('dialog');
      await overrideDialog.waitFor();
      const people = await overrideDialog
        .getByLabel(labelled(await tr('admin.oncall.field.user')))
        .locator('option')
        .allTextContents();
      await overrideDialog
        .getByLabel(labelled(await tr('admin.oncall.field.user')))
        .selectOption({ label: people.find((p) => p.includes('ciso@sub.gov.tw'))! });
      await overrideDialog.getByLabel(labelled(await tr('admin.oncall.field.reason'))).fill(language === 'en' ? 'Covering a leave day' : '代理休假');
      await screenshot(page, `admin-oncall-override-${language}`);
      await expectAccessible(page);
      await overrideDialog.getByRole('button', { name: exactly(await tr('admin.oncall.overrideSubmit')) }).click();
      await overrideDialog.waitFor({ state: 'detached' });
      await schedule.locator('[data-override="ciso"]').waitFor();
      const overrides = await run.t.db.query(`SELECT o.reason FROM oncall_overrides o JOIN oncall_schedules s ON s.id = o.schedule_id WHERE s.name = $1`, [
        scheduleName,
      ]);
      expect(overrides.rows).toHaveLength(1);
      await screenshot(page, `admin-oncall-${language}`);
      await expectAccessible(page);

      // Webhooks: added (the secret shown once), disabled, deleted after a confirmation.
      const description = language === 'en' ? 'Chat bridge' : '聊天室通報橋接';
      await section('admin.section.webhooks');
      await page.getByRole('heading', { level: 1, name: exactly(await tr('admin.webhooks.title')) }).waitFor();
      await (await field('admin.webhooks.field.url')).fill(`http://127.0.0.1:9/hooks/${tag}`);
      await (await field('admin.webhooks.field.description')).fill(description);
      await page.getByRole('button', { name: exactly(await tr('admin.webhooks.submit')) }).click();
      await page.locator('#admin-webhook-secret').waitFor();
      const row = page.locator(`[data-webhook="${description}"]`);
      await row.getByText(await tr('admin.webhooks.status.enabled'), { exact: true }).waitFor();
      await screenshot(page, `admin-webhooks-${language}`);
      await expectAccessible(page);
      await row.getByRole('button', { name: exactly(await tr('admin.webhooks.disableOf', { description })) }).click();
      await row.getByText(await tr('admin.webhooks.status.disabled'), { exact: true }).waitFor();
      const stored = await run.t.db.query('SELECT id, enabled FROM webhooks WHERE description = $1', [description]);
      expect(stored.rows).toEqual([{ id: expect.any(String), enabled: false }]);
      await row.getByRole('button', { name: exactly(await tr('admin.webhooks.deleteOf', { description })) }).click();
      const deleteDialog = page.getByRole('dialog');
      await deleteDialog.getByRole('button', { name: exactly(await tr('admin.webhooks.delete.confirm')) }).waitFor();
      await screenshot(page, `admin-webhook-delete-${language}`);
      await expectAccessible(page);
      await deleteDialog.getByRole('button', { name: exactly(await tr('admin.webhooks.delete.confirm')) }).click();
      await page.getByText(await tr('admin.webhooks.deleted', { description })).waitFor();
      await row.waitFor({ state: 'detached' });
      expect((await run.t.db.query('SELECT count(*)::int AS n FROM webhooks WHERE id = $1', [stored.rows[0].id])).rows[0].n).toBe(0);
      await expectAccessible(page);
      await page.context().close();
    },
    300_000,
  );
});
