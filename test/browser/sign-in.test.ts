import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  exactly,
  labelled,
  expectAccessible,
  moveClocks,
  openAs,
  screenshot,
  signIn,
  text,
  USERS,
  type ConsoleRun,
  type Language,
  startConsole,
  followNav,
} from '../support/browser.js';
import { seedUser } from '../support/test-app.js';

/*
 * Signing in, as a person does it: the language the browser prefers (zh-TW by default), the
 * forced password change on first login, the session ending while a page is open (back to the
 * login, then to that page), and logging out. Each screen is checked with axe in both languages.
 */

describe('console sign-in in Chromium', () => {
  let run: ConsoleRun;

  beforeAll(async () => {
    run = await startConsole({ env: { SESSION_TTL: 'PT8H' } });
  }, 120_000);
  afterAll(() => run?.close());

  it.each<[Language, 1280 | 375]>([
    ['zh-TW', 1280],
    ['en', 375],
  ])('shows the login in the browser’s language (%s, %i px), accessible, and lands on the board', async (language, width) => {
    const page = await openAs(run, { email: null, language, width, path: '/board' });
    await page.getByRole('heading', { name: exactly(await text(language, 'login.title')) }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe(language === 'en' ? 'en' : 'zh-Hant-TW');
    await screenshot(page, `login-${language}`, { readme: language === 'zh-TW' });
    await expectAccessible(page);

    // A wrong password says so and keeps the user on the login.
    await page.getByLabel(labelled(await text(language, 'login.email'))).fill(USERS.manager);
    await page.getByLabel(labelled(await text(language, 'login.password'))).fill('not-the-password');
    await page.getByRole('button', { name: exactly(await text(language, 'login.submit')) }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible(page);

    await signIn(page, language, USERS.manager);
    await page.getByRole('heading', { name: exactly(await text(language, 'board.title')) }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/board');
    await page.context().close();
  });

  it('switches language with the switch and keeps the choice', async () => {
    const page = await openAs(run, { email: null, language: 'zh-TW', path: '/login' });
    await page.getByLabel(labelled(await text('zh-TW', 'app.language'))).selectOption('en');
    await page.getByRole('heading', { name: exactly(await text('en', 'login.title')) }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: exactly(await text('en', 'login.title')) }).waitFor();
    await page.context().close();
  });

  it('makes a first login change the password before anything else, then goes where the user was going', async () => {
    for (const [language, width] of [
      ['zh-TW', 1280],
      ['en', 375],
    ] as const) {
      const email = `new.staff.${language}@sub.gov.tw`;
      await seedUser(run.t, { agencyId: run.world.sub, email, roles: ['reporter'], mustChangePassword: true });
      const page = await openAs(run, { email: null, language, width, path: '/incidents/new' });
      await signIn(page, language, email);
      await page.getByRole('heading', { name: exactly(await text(language, 'password.title')) }).waitFor();
      await screenshot(page, `change-password-${language}`);
      await expectAccessible(page);
      // The two new passwords differ: said at the confirmation field, nothing sent.
      await page.getByLabel(labelled(await text(language, 'password.current'))).fill('Correct-Horse-42!');
      await page.getByLabel(labelled(await text(language, 'password.new'))).fill('A-New-Passphrase-2026!');
      await page.getByLabel(labelled(await text(language, 'password.confirm'))).fill('A-Different-One-2026!');
      await page.getByRole('button', { name: exactly(await text(language, 'password.submit')) }).click();
      await page.getByText(await text(language, 'password.mismatch')).waitFor();
      await expectAccessible(page);
      await page.getByLabel(labelled(await text(language, 'password.confirm'))).fill('A-New-Passphrase-2026!');
      await page.getByRole('button', { name: exactly(await text(language, 'password.submit')) }).click();
      await page.getByRole('heading', { name: exactly(await text(language, 'file.title')) }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/incidents/new');
      const row = await run.t.db.query('SELECT must_change_password FROM users WHERE email = $1', [email]);
      expect(row.rows[0].must_change_password).toBe(false);
      await page.context().close();
    }
  });

  it('sends a user whose session ended back to the login, then back to the page they were on', async () => {
    const page = await openAs(run, { email: USERS.manager, language: 'en', path: '/incidents/new' });
    await page.getByRole('heading', { name: exactly(await text('en', 'file.title')) }).waitFor();
    // Eight hours and a minute later (SESSION_TTL PT8H) the server has ended the session.
    await moveClocks(run, [page], 8 * 3_600_000 + 60_000);
    await followNav(page, 'en', await text('en', 'app.nav.board'));
    await page.getByText(await text('en', 'login.expired')).waitFor();
    await screenshot(page, 'session-expired-en');
    await expectAccessible(page);
    await signIn(page, 'en', USERS.manager);
    await page.getByRole('heading', { name: exactly(await text('en', 'board.title')) }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/board');

    // Logging out ends the session on the server: the back button shows the login, not the board.
    await page.getByRole('button', { name: exactly(await text('en', 'app.logout')) }).click();
    await page.getByText(await text('en', 'login.loggedOut')).waitFor();
    await page.goto(`${run.url}/board`);
    await page.getByRole('heading', { name: exactly(await text('en', 'login.title')) }).waitFor();
    await page.context().close();
  });
});
