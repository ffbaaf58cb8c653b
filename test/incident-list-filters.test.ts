import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The board's filters on GET /api/incidents: open (not closed or dismissed) and mine (filed, acknowledged or acted on by the caller). */
describe('listing incidents: the open and mine filters', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let filedByReporter: string;
  let acknowledgedByManager: string;
  let dismissed: string;

  const list = async (token: string, query: Record<string, string>) => {
    const res = await t.http().get('/api/incidents').query(query).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ id: string; state: string }>).map((i) => i.id).sort();
  };

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
    filedByReporter = (await fileIncident(t, w.tokens.reporter)).id;
    acknowledgedByManager = (await fileIncident(t, w.tokens.responder)).id;
    expect((await send(t, w.tokens.manager, acknowledgedByManager, { type: 'ACKNOWLEDGE' })).status).toBe(200);
    dismissed = (await fileIncident(t, w.tokens.responder)).id;
    const dismissal = await send(t, w.tokens.manager, dismissed, { type: 'DISMISS', reason: '誤報：監控規則測試 a monitoring rule test' });
    expect([dismissal.status, dismissal.body.state]).toEqual([200, 'dismissed']);
  });
  afterAll(() => t.close());

  it('open=true leaves out the dismissed one, open=false answers only it', async () => {
    expect(await list(w.tokens.manager, { open: 'true' })).toEqual([filedByReporter, acknowledgedByManager].sort());
    expect(await list(w.tokens.manager, { open: 'false' })).toEqual([dismissed]);
  });

  it('mine=true answers what the caller filed, acknowledged or acted on; mine=false the rest', async () => {
    expect(await list(w.tokens.reporter, { mine: 'true' })).toEqual([filedByReporter]);
    // The manager acknowledged one and dismissed another (an entry of theirs in its timeline).
    expect(await list(w.tokens.manager, { mine: 'true' })).toEqual([acknowledgedByManager, dismissed].sort());
    expect(await list(w.tokens.manager, { mine: 'false' })).toEqual([filedByReporter]);
    expect(await list(w.tokens.manager, { mine: 'true', open: 'true' })).toEqual([acknowledgedByManager]);
  });

  it('refuses a value that is not true or false, naming the field', async () => {
    for (const field of ['open', 'mine']) {
      const res = await t
        .http()
        .get('/api/incidents')
        .query({ [field]: 'yes' })
        .set('Authorization', `Bearer ${w.tokens.manager}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    }
  });
});
