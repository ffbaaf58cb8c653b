import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * POST /api/incidents/{id}/events takes an Idempotency-Key (the console sends one per dialog): a
 * replay of the same key and body answers the first result again and the incident moves once; a
 * refused event (409 stale version) releases its key, so the same dialog may send again.
 */
describe('Idempotency-Key on incident events', () => {
  let t: TestApp;
  let w: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  const send = (id: string, version: number, key: string, event: Record<string, unknown>) =>
    t
      .http()
      .post(`/api/incidents/${id}/events`)
      .set('Authorization', `Bearer ${w.tokens.manager}`)
      .set('If-Match', String(version))
      .set('Idempotency-Key', key)
      .send(event);
  const transitions = async (id: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1 AND action = 'incident.event' AND outcome = 'success'`, [id])).rows[0]
      .n as number;
  const timeline = async (id: string, entry: string) =>
    (await t.db.query('SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = $1 AND entry = $2', [id, entry])).rows[0].n as number;

  it('answers a replayed key with the first answer; the incident moves once', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const event = { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack', subcategory: 'defacement' };
    const first = await send(filed.id, filed.version, 'event-replay-0001', event);
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The retry still names the version it was based on (now stale): the replay answers, not a 409.
    const again = await send(filed.id, filed.version, 'event-replay-0001', event);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toEqual(first.body);
    expect(await timeline(filed.id, 'triaged')).toBe(1);
    expect(await transitions(filed.id)).toBe(1);
    const { rows } = await t.db.query('SELECT version FROM incidents WHERE id = $1', [filed.id]);
    expect(rows[0].version).toBe(first.body.version);
  });

  it('releases the key of a stale event (409), so the same dialog sends again with the new version', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const stale = await send(filed.id, filed.version + 5, 'event-stale-00001', { type: 'ACKNOWLEDGE' });
    expect(stale.status).toBe(409);
    const retried = await send(filed.id, filed.version, 'event-stale-00001', { type: 'ACKNOWLEDGE' });
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await timeline(filed.id, 'acknowledged')).toBe(1);
  });
});
