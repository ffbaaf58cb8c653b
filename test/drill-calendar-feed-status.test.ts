import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * GET /api/drills/calendar-feed: whether the caller has a drill calendar URL and since when, so the
 * console can say "you have a link (made …)" and offer to revoke it after a reload. The URL itself
 * is never shown again (only its hash is kept).
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('the drill calendar link status', () => {
  let t: TestApp;
  let w: ContinuityWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedContinuityWorld(t);
  });
  afterAll(() => t?.close());

  it('says no link, then the link made and when, never its secret, then no link once revoked', async () => {
    const none = await t.http().get('/api/drills/calendar-feed').set(auth(w.tokens.coordinator));
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ active: false, createdAt: null });

    const created = await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.coordinator));
    expect(created.status).toBe(201);
    const token = new URL(created.body.url as string).searchParams.get('token')!;
    const status = await t.http().get('/api/drills/calendar-feed').set(auth(w.tokens.coordinator));
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ active: true, createdAt: t.clock.now().toISOString() });
    expect(JSON.stringify(status.body)).not.toContain(token);
    expect(status.headers['cache-control'] ?? '').not.toContain('public');

    // Another person's link is theirs: the coordinator's status does not show it, nor the reverse.
    expect((await t.http().get('/api/drills/calendar-feed').set(auth(w.tokens.responder))).body).toEqual({ active: false, createdAt: null });

    expect((await t.http().delete('/api/drills/calendar-feed').set(auth(w.tokens.coordinator))).status).toBe(204);
    expect((await t.http().get('/api/drills/calendar-feed').set(auth(w.tokens.coordinator))).body).toEqual({ active: false, createdAt: null });
  });

  it('needs a session', async () => {
    expect((await t.http().get('/api/drills/calendar-feed')).status).toBe(401);
  });
});
