import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { seedDemo } from '../db/seed/demo-seed.js';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { planBody } from './support/continuity-fixture.js';
import { fileIncident, send } from './support/incident-fixture.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';

/*
 * An intent that resolves to nobody is a failure, not a success with no mail (issue 9, item 3): it
 * ends finished and failed (`no_recipients`), shows so on its incident or drill and in /metrics, is
 * not queued again by the reconciler, and alerts the admins of the sending and the receiving agency.
 * An alert that reaches nobody itself ends failed and raises nothing more.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('notifications: an intent with nobody to receive it fails and alerts the admins', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: TestingModule | undefined;
  const prefix = `{notify-nobody-${process.pid}-${randomUUID().slice(0, 8)}}`;

  const startWorker = async () =>
    (worker ??= await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, NOTIFY_BACKOFF_MS: '20', NOTIFY_ATTEMPTS: '3' }));
  const intentsOf = async (aggregateId: string) =>
    (
      await t.db.query(
        `SELECT o.id, o.template, o.audience, o.finished_at, o.failure_reason, count(d.id)::int AS deliveries
           FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id WHERE o.aggregate_id = $1 GROUP BY o.id ORDER BY o.created_at, o.template`,
        [aggregateId],
      )
    ).rows;
  const allFinished = (aggregateId: string, intents: number) =>
    until(`${intents} intents finished`, async () => {
      const rows = await intentsOf(aggregateId);
      return rows.length === intents && rows.every((r) => r.finished_at) && rows;
    });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  it('a continuity intent that reaches nobody fails on its drill, and its alert to an agency without admins fails without another alert', async () => {
    // A top-level agency with a continuity coordinator, a responder and no admin or CISO.
    const lone = await seedAgency(t.db, { code: 'LONE', level: 'A' });
    const coordinatorId = await seedUser(t, { agencyId: lone, email: 'bcp@lone.gov.tw', roles: ['continuity_coordinator', 'reporter'] });
    await seedUser(t, { agencyId: lone, email: 'responder@lone.gov.tw', roles: ['responder', 'reporter'] });
    const coordinator = await login(t, 'bcp@lone.gov.tw');
    const responder = await login(t, 'responder@lone.gov.tw');
    const plan = await t.http().post('/api/continuity/plans').set(auth(coordinator)).send(planBody());
    expect(plan.status).toBe(201);
    const scheduled = await t
      .http()
      .post(`/api/continuity/plans/${plan.body.id}/drills`)
      .set(auth(coordinator))
      .send({ scheduledFor: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString(), drillType: 'tabletop' });
    expect(scheduled.status).toBe(201);
    const drill = scheduled.body as { id: string; version: number };
    const cancelled = await t
      .http()
      .post(`/api/drills/${drill.id}/events`)
      .set(auth(coordinator))
      .set('If-Match', String(drill.version))
      .send({ type: 'CANCEL', reason: 'merged into the autumn exercise' });
    expect(cancelled.status).toBe(200);
    // drill.cancelled goes to the coordinators and the CISO: the only coordinator leaves before it is delivered.
    await t.db.query(`UPDATE users SET disabled_at = $2 WHERE id = $1`, [coordinatorId, t.clock.now()]);
    await startWorker();

    const rows = await allFinished(drill.id, 2);
    // Same instant on the test clock: listed by template.
    expect(rows.map((r) => [r.template, r.failure_reason, r.deliveries])).toEqual([
      ['delivery.no_recipients', 'no_recipients', 0],
      ['drill.cancelled', 'no_recipients', 0],
    ]);
    expect(rows[0].audience).toEqual([{ kind: 'role', role: 'admin' }]);
    const listed = await t.http().get(`/api/drills/${drill.id}/notifications`).set(auth(responder));
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((n: any) => [n.template, n.status, n.failureReason]).sort()).toEqual([
      ['delivery.no_recipients', 'failed', 'no_recipients'],
      ['drill.cancelled', 'failed', 'no_recipients'],
    ]);
    // No alert about the alert, then or later; the reconciler leaves both finished intents alone.
    t.clock.advance(11 * 60_000);
    expect(await worker!.get(OutboxRelay).reconcile()).toBe(0);
    expect(await intentsOf(drill.id)).toHaveLength(2);
  });

  it('a review request to a superior agency without reviewers fails, shows on the incident and in /metrics, and alerts both agencies’ admins', async () => {
    await startWorker();
    const par = await seedAgency(t.db, { code: 'PAR', level: 'A' });
    const chi = await seedAgency(t.db, { code: 'CHI', parentId: par, level: 'B' });
    await seedUser(t, { agencyId: par, email: 'admin@par.gov.tw', roles: ['admin'] });
    await seedUser(t, { agencyId: chi, email: 'admin@chi.gov.tw', roles: ['admin'] });
    await seedUser(t, { agencyId: chi, email: 'reporter@chi.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId: chi, email: 'manager@chi.gov.tw', roles: ['on_call_manager', 'reporter'] });
    await seedUser(t, { agencyId: chi, email: 'responder@chi.gov.tw', roles: ['responder', 'reporter'] });
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'admin@par.gov.tw'`);
    const manager = await login(t, 'manager@chi.gov.tw');
    const filed = await fileIncident(t, await login(t, 'reporter@chi.gov.tw'), { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await allFinished(filed.id, 2);
    expect(
      (await send(t, manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' })).status,
    ).toBe(200);
    const reported = await send(t, manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' });
    expect(reported.status).toBe(200);

    // filed, paged, acknowledged (the triage acknowledged), triaged, the review request and its alert.
    const rows = await until('the alert delivered', async () => {
      const r = await intentsOf(filed.id);
      return r.length === 6 && r.every((i) => i.finished_at) && r;
    });
    expect(rows.filter((r) => r.failure_reason).map((r) => r.template)).toEqual(['authority.review_requested']);
    const request = rows.find((r) => r.template === 'authority.review_requested')!;
    expect(request).toMatchObject({ failure_reason: 'no_recipients', deliveries: 0 });
    const alert = rows.find((r) => r.template === 'delivery.no_recipients')!;
    expect(alert.audience).toEqual([
      { kind: 'role', role: 'admin' },
      { kind: 'superiorRole', role: 'admin' },
    ]);
    expect(alert.failure_reason).toBeNull();
    const { rows: deliveries } = await t.db.query(`SELECT address, status FROM deliveries WHERE outbox_id = $1 ORDER BY address`, [alert.id]);
    expect(deliveries).toEqual([
      { address: 'admin@chi.gov.tw', status: 'sent' },
      { address: 'admin@par.gov.tw', status: 'sent' },
    ]);
    const mails = await until('both alerts parsed', async () => {
      const m = sink.messages.filter((x) => x.headers.get('x-incident-reference') === filed.reference && /SYSTEM|系統/.test(x.subject ?? ''));
      return m.length === 2 && m;
    });
    expect(mails.map((m) => m.subject).sort()).toEqual([
      `[TLP:GREEN] [SYSTEM] A notification reached nobody ${filed.reference}`,
      `[TLP:GREEN] 【系統】通知無人可收 ${filed.reference}`,
    ]);

    const listed = await t.http().get(`/api/incidents/${filed.id}/notifications`).set(auth(manager));
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((n: any) => [n.template, n.status, n.failureReason]).sort()).toEqual([
      ['authority.review_requested', 'failed', 'no_recipients'],
      ['delivery.no_recipients', 'sent', null],
      ['incident.acknowledged', 'sent', null],
      ['incident.filed', 'sent', null],
      ['incident.paged', 'sent', null],
      ['incident.triaged', 'sent', null],
    ]);
    const metrics = await t.http().get('/metrics');
    // This one and the drill's two (the previous test).
    expect(metrics.text).toMatch(/^outbox_failed\{reason="no_recipients"\} 3$/m);
    t.clock.advance(11 * 60_000);
    expect(await worker!.get(OutboxRelay).reconcile()).toBe(0);
  });

  it('the demo data gives the root agency a reviewer: MODA’s review request reaches the Executive Yuan’s CISO', async () => {
    await startWorker();
    expect(await seedDemo(t.app.get(DataSource))).toBe(true);
    // The seed sets passwords at the real time; the test runs on its own clock.
    await t.db.query(`UPDATE users SET password_changed_at = $1 WHERE email LIKE '%.demo.gov.tw'`, [t.clock.now()]);
    const password = 'Demo-Password-2026!';
    const manager = await login(t, 'on-call-manager@moda.demo.gov.tw', password);
    const filed = await fileIncident(t, await login(t, 'reporter@moda.demo.gov.tw', password), { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await until('the filing intents finished', async () => (await intentsOf(filed.id)).every((r) => r.finished_at));
    expect(
      (await send(t, manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' })).status,
    ).toBe(200);
    const reported = await send(t, manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' });
    expect(reported.status).toBe(200);
    const request = await until('the review request finished', async () =>
      (await intentsOf(filed.id)).find((r) => r.template === 'authority.review_requested' && r.finished_at),
    );
    expect(request.failure_reason).toBeNull();
    const { rows } = await t.db.query(`SELECT address, status FROM deliveries WHERE outbox_id = $1`, [request.id]);
    expect(rows).toEqual([{ address: 'ciso@ey.demo.gov.tw', status: 'sent' }]);
    expect((await intentsOf(filed.id)).filter((r) => r.failure_reason)).toEqual([]);
  });
});
