import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openAs, scriptReadableState, startConsole, USERS, type ConsoleRun } from '../support/browser.js';
import { fileIncident } from '../support/incident-fixture.js';

/*
 * What a page script, or another site, can do with a signed-in console: read no token, make no
 * write; and what a filer types shows as text, never as markup.
 */

describe('console security in Chromium', () => {
  let run: ConsoleRun;
  let evil: Server;
  let evilUrl: string;

  beforeAll(async () => {
    run = await startConsole();
    // Another site on the same machine (another port: same site for cookies, another origin).
    evil = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><title>evil</title>
        <form id="f" method="POST" action="${run.url}/api/incidents" enctype="text/plain"><input name='{"title":"forged","x":"' value='"}'></form>
        <script>
          fetch(${JSON.stringify(`${run.url}/api/incidents`)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
            headers: { 'Content-Type': 'text/plain' }, body: '{"title":"forged by fetch"}' }).finally(() => document.getElementById('f').submit());
        </script></html>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => evil?.close(resolve));
    await run?.close();
  });

  const incidents = async () => (await run.t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n as number;

  it('keeps the session token out of reach of page scripts: not in document.cookie, localStorage or sessionStorage', async () => {
    const page = await openAs(run, { email: USERS.manager, path: '/board' });
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'irbc_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session!.value.length).toBeGreaterThan(30);
    const readable = await scriptReadableState(page);
    expect(readable).not.toContain(session!.value);
    expect(readable).not.toContain('irbc_session');
    await page.context().close();
  });

  it('refuses a cross-site form post and fetch made with the signed-in browser’s cookie', async () => {
    const page = await openAs(run, { email: USERS.manager, path: '/board' });
    const before = await incidents();
    const response = page.waitForResponse(
      (r) => r.url() === `${run.url}/api/incidents` && r.request().method() === 'POST' && r.request().isNavigationRequest(),
    );
    await page.goto(evilUrl);
    // Refused before any handler: a cross-site page can send only form and text bodies, which the API never takes (415);
    // a JSON body would need a CORS preflight the API never answers, and the cross-site check (403) stands behind both.
    expect([403, 415]).toContain((await response).status());
    expect(await incidents()).toBe(before);
    expect((await run.t.db.query(`SELECT count(*)::int AS n FROM incidents WHERE title LIKE 'forged%'`)).rows[0].n).toBe(0);
    await page.context().close();
  });

  it('shows HTML and script typed into a title or description as text', async () => {
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    const incident = await fileIncident(run.t, run.world.tokens.reporter, {
      title: `XSS ${payload}`,
      description: payload,
      classification: { tlp: 'GREEN', dataLevel: 'general' },
    });
    const page = await openAs(run, { email: USERS.manager, path: `/incidents/${incident.id}` });
    await page.getByText(`XSS ${payload}`, { exact: true }).waitFor();
    await page.getByText(payload, { exact: true }).waitFor();
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(await page.locator('main img[src="x"], main b').count()).toBe(0);
    await page.goto(`${run.url}/board`);
    await page.getByText(`XSS ${payload}`, { exact: true }).waitFor();
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    await page.context().close();
  });
});
