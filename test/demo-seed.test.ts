import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { DEMO_PASSWORD, demoLogins, seedDemo } from '../db/seed/demo-seed.js';
import { incidentBody } from './support/incident-fixture.js';
import { deliverOutbox, mailsTo } from './support/outbox-delivery.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, startTestWorker, type TestApp } from './support/test-app.js';

/*
 * The demo data as `npm start` seeds it, under the access rules: its accounts break none of them,
 * and the path through them runs with the seeded users: the auditor reads and files nothing, a
 * reporter reads a directory, no admin changes its own roles, a privileged grant reaches the
 * other admins by e-mail, and a locked account's holder is told.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('demo seed under the access rules', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-demo-seed-${process.pid}-${randomUUID().slice(0, 8)}}`;
  const idOf = async (email: string) => (await t.db.query('SELECT id FROM users WHERE email = $1', [email])).rows[0].id as string;
  const as = (email: string) => login(t, email, DEMO_PASSWORD);

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    // The seed stamps its accounts with the real time (passwords set, vendor expiry): so does the test clock.
    t.clock.set(new Date());
    expect(await seedDemo(t.app.get(DataSource))).toBe(true);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, PUBLIC_URL: 'http://localhost:3000' });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  it('seeds auditors with the auditor role only, and vendors for at most 90 days', async () => {
    const { rows } = await t.db.query(
      `SELECT u.email, u.expires_at, u.created_at, array_agg(r.role ORDER BY r.role) AS roles FROM users u JOIN role_memberships r ON r.user_id = u.id GROUP BY u.id`,
    );
    expect(rows).toHaveLength(demoLogins().length);
    const auditors = rows.filter((r) => r.roles.includes('auditor'));
    expect(auditors.map((r) => [r.email, r.roles]).sort()).toEqual([
      ['auditor@ey.demo.gov.tw', ['auditor']],
      ['auditor@moda.demo.gov.tw', ['auditor']],
    ]);
    for (const vendor of rows.filter((r) => r.roles.includes('vendor'))) {
      expect(vendor.roles).toEqual(['vendor']);
      expect(vendor.expires_at.getTime() - vendor.created_at.getTime()).toBeLessThanOrEqual(90 * 86_400_000);
    }
  });

  it('lets the seeded auditors read the audit log but file nothing', async () => {
    for (const email of ['auditor@ey.demo.gov.tw', 'auditor@moda.demo.gov.tw']) {
      const token = await as(email);
      expect((await t.http().get('/api/audit/verify').set(auth(token))).body).toMatchObject({ ok: true });
      const filed = await t.http().post('/api/incidents').set(auth(token)).set('Idempotency-Key', randomUUID()).send(incidentBody(t));
      expect(filed.status).toBe(403);
    }
  });

  it('gives the seeded reporter a directory, and the admin the full records', async () => {
    const reporter = await t
      .http()
      .get('/api/users')
      .set(auth(await as('reporter@moda.demo.gov.tw')));
    expect(reporter.status).toBe(200);
    expect(reporter.body.items.every((u: object) => !('roles' in u) && !('lastLoginAt' in u))).toBe(true);
    const admin = await t
      .http()
      .get('/api/users')
      .set(auth(await as('admin@moda.demo.gov.tw')));
    expect(admin.body.items.every((u: object) => 'roles' in u && 'lastLoginAt' in u)).toBe(true);
  });

  it('refuses the seeded admin its own grant, and tells the other admins of a grant', async () => {
    const modaAdmin = await as('admin@moda.demo.gov.tw');
    const self = await t
      .http()
      .patch(`/api/users/${await idOf('admin@moda.demo.gov.tw')}`)
      .set(auth(modaAdmin))
      .send({ roles: ['admin', 'ciso'] });
    expect(self.status).toBe(403);
    // The superior agency's admin grants admin in MODA: MODA's own admin hears of it.
    const eyAdmin = await as('admin@ey.demo.gov.tw');
    const granted = await t
      .http()
      .patch(`/api/users/${await idOf('continuity-coordinator@moda.demo.gov.tw')}`)
      .set(auth(eyAdmin))
      .send({ roles: ['continuity_coordinator', 'admin'] });
    expect(granted.status).toBe(200);
    await deliverOutbox(t, worker);
    expect(mailsTo(sink, 'admin@moda.demo.gov.tw').map((m) => m.subject)).toEqual([
      '[TLP:AMBER] 【帳號】帳號 continuity-coordinator@moda.demo.gov.tw 已獲授予特權角色',
    ]);
    expect(mailsTo(sink, 'admin@ey.demo.gov.tw')).toHaveLength(0);
    expect(mailsTo(sink, 'continuity-coordinator@moda.demo.gov.tw')).toHaveLength(0);
  });

  it('runs the whole article-41 path with the seeded users alone, the Executive Yuan reviewing MODA’s report', async () => {
    const reporter = await as('reporter@moda.demo.gov.tw');
    const manager = await as('on-call-manager@moda.demo.gov.tw');
    const responder = await as('responder@moda.demo.gov.tw');
    const ethics = await as('ethics-officer@moda.demo.gov.tw');
    const ciso = await as('ciso@moda.demo.gov.tw');
    const eyCiso = await as('ciso@ey.demo.gov.tw');
    const filed = await t
      .http()
      .post('/api/incidents')
      .set(auth(reporter))
      .set('Idempotency-Key', randomUUID())
      .send(incidentBody(t, { impact: { confidentiality: 3, integrity: 2, availability: 1 } }));
    expect(filed.status).toBe(201);
    const id = filed.body.id as string;
    let version = filed.body.version as number;
    const step = async (token: string, event: Record<string, unknown>) => {
      const res = await t.http().post(`/api/incidents/${id}/events`).set(auth(token)).set('If-Match', String(version)).send(event);
      expect([event.type, res.status, res.body.detail]).toEqual([event.type, 200, undefined]);
      version = res.body.version;
      return res.body;
    };
    const at = (minutes: number) => new Date(t.clock.now().getTime() + minutes * 60_000).toISOString();
    await step(manager, { type: 'ACKNOWLEDGE' });
    await step(manager, { type: 'TRIAGE', impact: { confidentiality: 3, integrity: 2, availability: 1 }, category: 'web_attack', subcategory: 'defacement' });
    await step(manager, { type: 'REPORT_TO_AUTHORITY', channel: 'superior_agency' });
    // MODA's superior is the Executive Yuan: its seeded CISO is asked to review, by e-mail, and reviews.
    await deliverOutbox(t, worker);
    expect(mailsTo(sink, 'ciso@ey.demo.gov.tw').some((m) => m.subject?.includes(filed.body.reference))).toBe(true);
    const review = await t.http().post(`/api/incidents/${id}/events`).set(auth(eyCiso)).set('If-Match', String(version)).send({
      type: 'AUTHORITY_REVIEWED',
      level: 3,
      note: '同意列為 3 級 Level 3 confirmed',
    });
    expect(review.status).toBe(200);
    version = review.body.version;
    await step(ethics, { type: 'LE_REQUEST', reason: 'intrusion into a government system (Criminal Code 361)' });
    await step(ethics, { type: 'LE_CONTACTED', lawEnforcementAgency: 'investigation_bureau', officer: 'Agent Wang', caseNumber: 'MJIB-115-0042' });
    const evidence = await t
      .http()
      .post(`/api/incidents/${id}/evidence`)
      .set(auth(responder))
      .send({
        description: 'web server logs',
        source: 'www /var/log/nginx',
        collectedBy: 'responder',
        collectedAt: at(0),
        sha256: 'a'.repeat(64),
        storage: 'locker B-2',
      });
    expect(evidence.status).toBe(201);
    t.clock.advance(5 * 60_000);
    const transfer = await t
      .http()
      .post(`/api/incidents/${id}/evidence/${evidence.body.id}/transfers`)
      .set(auth(ethics))
      .send({ from: 'responder', to: 'Agent Wang', purpose: 'handed to the investigation bureau', at: at(0), sha256: 'a'.repeat(64) });
    expect(transfer.status).toBe(201);
    await step(ethics, { type: 'LE_EVIDENCE_HANDED_OVER', evidenceIds: [evidence.body.id] });
    await step(ethics, { type: 'LE_CONCLUDED', note: 'case taken over by the prosecutor' });
    await step(responder, { type: 'CONTAINED', summary: 'defaced page replaced, admin access closed' });
    await step(responder, { type: 'RECOVERED', summary: 'site restored from backup' });
    const submitted = await step(manager, {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      rootCause: 'outdated CMS plugin',
      measures: { technical: 'patched, WAF rule', management: 'monthly patch review' },
      schedule: 'by next month',
    });
    expect(submitted.regions.review).toBe('awaiting_approval');
    const closed = await step(ciso, { type: 'APPROVE_CLOSURE' });
    expect(closed).toMatchObject({ state: 'closed', level: 3, improvementReport: { rootCause: 'outdated CMS plugin' } });
  });

  it('mails the seeded reporter once when its account locks', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ email: 'reporter@moj.demo.gov.tw', password: `Wrong-Password-${i}` });
      expect(res.body.type).toBe('/problems/invalid-credentials');
    }
    await deliverOutbox(t, worker);
    expect(mailsTo(sink, 'reporter@moj.demo.gov.tw').map((m) => m.subject)).toEqual(['[TLP:AMBER] 您的帳號 reporter@moj.demo.gov.tw 已暫時鎖定']);
  });
});
