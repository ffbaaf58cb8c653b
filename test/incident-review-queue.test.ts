import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

/*
 * What the console's superior-review queue and notifications panel read: GET /api/incidents with
 * awaitingReview=true (the direct subordinates' reports not yet reviewed), and each delivery's
 * `response`, the SMTP server's answer as the worker stored it.
 */
describe('the review queue (awaitingReview) and the SMTP answer of each delivery', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  let worker: TestingModule;
  let reported: string;
  let unreported: string;
  let reviewed: string;
  const prefix = `{review-${process.pid}-${Date.now()}}`;

  const queue = async (token: string) => {
    const res = await t.http().get('/api/incidents').query({ awaitingReview: 'true' }).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<{ id: string }>).map((i) => i.id).sort();
  };
  const report = async (id: string) => {
    expect(
      (await send(t, w.tokens.manager, id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' })).status,
    ).toBe(200);
    const res = await send(t, w.tokens.manager, id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-2026-0001' });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, NOTIFY_BACKOFF_MS: '20' });
    reported = (await fileIncident(t, w.tokens.reporter)).id;
    await report(reported);
    unreported = (await fileIncident(t, w.tokens.reporter)).id;
    reviewed = (await fileIncident(t, w.tokens.reporter)).id;
    await report(reviewed);
    expect((await send(t, w.tokens.supCiso, reviewed, { type: 'AUTHORITY_REVIEWED', level: 2, note: '審核通過 level confirmed' })).status).toBe(200);
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
    await sink?.close();
  });

  it('answers the superior the subordinate’s reported, unreviewed incidents only', async () => {
    expect(await queue(w.tokens.supCiso)).toEqual([reported]);
    // Without the filter the superior also sees the reviewed one (never the unreported one).
    const all = await t.http().get('/api/incidents').set('Authorization', `Bearer ${w.tokens.supCiso}`);
    expect((all.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual(expect.arrayContaining([reported, reviewed]));
    expect((all.body.items as Array<{ id: string }>).map((i) => i.id)).not.toContain(unreported);
  });

  it('answers the subordinate agency itself nothing (it has no subordinates to review)', async () => {
    expect(await queue(w.tokens.manager)).toEqual([]);
  });

  it('refuses a value other than true, naming the field', async () => {
    const res = await t.http().get('/api/incidents').query({ awaitingReview: 'yes' }).set('Authorization', `Bearer ${w.tokens.supCiso}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'awaitingReview' })]);
  });

  it('shows each sent delivery with the SMTP server’s answer', async () => {
    const items = await waitFor('the filing notices sent', async () => {
      const res = await t.http().get(`/api/incidents/${unreported}/notifications`).set('Authorization', `Bearer ${w.tokens.manager}`);
      const list = res.body.items as Array<{ template: string; status: string; deliveries: Array<{ status: string; response: string | null }> }>;
      return list.length > 0 && list.every((n) => n.status === 'sent') && list;
    });
    const deliveries = items.flatMap((n) => n.deliveries);
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of deliveries) expect(d.response).toMatch(/^250\b/);
    const { rows } = await t.db.query(`SELECT d.response FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.aggregate_id = $1 ORDER BY d.address`, [
      unreported,
    ]);
    expect(rows.map((r) => r.response).sort()).toEqual(deliveries.map((d) => d.response).sort());
  });
});
