import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { consoleDirectory } from '../apps/api/src/console/console-static.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * The API serves the built console (dist/web; scripts/run-tests.mjs builds it before Jest) at `/`,
 * with index.html for the console's own paths; /api, /docs, /health, /metrics and /admin keep
 * their behaviour, and an unknown /api path is still a 404 problem.
 */
describe('the console is served by the API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('has been built', () => {
    expect(consoleDirectory()).toBeDefined();
    expect(existsSync(`${consoleDirectory()}/index.html`)).toBe(true);
  });

  it('answers index.html at / and at a console path such as /incidents/{id}', async () => {
    for (const path of ['/', `/incidents/${randomUUID()}`, '/board?state=reported']) {
      const res = await t.http().get(path);
      expect([path, res.status, res.headers['content-type']]).toEqual([path, 200, expect.stringMatching(/^text\/html/)]);
      expect(res.text).toContain('<div id="root"></div>');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the built script and styles', async () => {
    const index = (await t.http().get('/')).text;
    const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const res = await t.http().get(asset);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers['cache-control']).toContain('immutable');
    }
    expect((await t.http().get('/assets/nope.js')).status).toBe(404);
  });

  it('keeps the API’s own paths: an unknown /api path is a 404 problem, /health and /docs as before', async () => {
    const res = await t.http().get('/api/nope').set('Accept-Language', 'en');
    expect([res.status, res.headers['content-type']]).toEqual([404, expect.stringMatching(/^application\/problem\+json/)]);
    expect((await t.http().get('/health')).status).toBe(200);
    expect((await t.http().get('/docs/')).text).toContain('swagger');
  });
});
