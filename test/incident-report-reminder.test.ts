import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { ParsedMail } from 'mailparser';
import { DeadlineService } from '../apps/api/src/incidents/deadline.service.js';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { putPolicy } from './support/policy.js';
import { waitFor } from './support/wait.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { expectStatus as expectOk } from './support/http.js';

/*
 * The "report due soon" reminder (issue 4): every report clock comes with a reminder the policy's
 * lead (15 minutes by default) before it runs out. When it goes off while the report is still owed,
 * the on-call manager and the CISO get one e-mail each (through the real worker and a real SMTP
 * server); the deadline row ends `fired`, nothing is breached and the incident is not overdue. A
 * report made in time cancels the reminder.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEAD = 15 * MINUTE; // DEFAULT_POLICY.reportReminderLead

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

interface DeadlineRow {
  id: string;
  kind: string;
  status: string;
  due_at: Date;
  late_by_ms: string | null;
}

describe('the "report due soon" reminder, end to end', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-reminder-${process.pid}-${randomUUID().slice(0, 8)}}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'ciso@sub.gov.tw'`);
    worker = await startTestWorker(t, {
      SMTP_URL: sink.url,
      QUEUE_PREFIX: prefix,
      NOTIFY_BACKOFF_MS: '20',
      MAIL_FROM: 'Incident Response <ir@sub.gov.tw>',
      PUBLIC_URL: 'https://ir.sub.gov.tw',
    });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  const deadlines = () => worker.get(DeadlineService);

  async function deadlinesOf(incidentId: string, kind: string): Promise<DeadlineRow[]> {
    const { rows } = await t.db.query(
      `SELECT id, kind, status, due_at, late_by_ms::text FROM deadlines WHERE subject_type = 'incident' AND subject_id = $1 AND kind = $2 ORDER BY created_at, due_at`,
      [incidentId, kind],
    );
    return rows;
  }
  async function deadlineById(id: string): Promise<DeadlineRow> {
    const { rows } = await t.db.query(`SELECT id, kind, status, due_at, late_by_ms::text FROM deadlines WHERE id = $1`, [id]);
    return rows[0];
  }
  async function reminderIntents(incidentId: string): Promise<Array<{ id: string; audience: unknown }>> {
    const { rows } = await t.db.query(`SELECT id, audience FROM outbox WHERE aggregate_id = $1 AND template = 'deadline.report_due_soon'`, [incidentId]);
    return rows;
  }
  const reminderMails = (reference: string): ParsedMail[] =>
    sink.messages.filter((m) => m.headers.get('x-reference') === reference && /report due soon|通報期限將至/.test(m.subject ?? ''));
  /** Every notification of the incident has left the outbox and been delivered (so nothing more is on its way). */
  async function allDelivered(incidentId: string): Promise<void> {
    await worker.get(OutboxRelay).drain();
    await waitFor(`every notification of ${incidentId} is delivered`, async () => {
      const { rows } = await t.db.query(
        `SELECT count(*) FILTER (WHERE d.status <> 'sent')::int AS open, count(DISTINCT o.id)::int AS intents,
                count(DISTINCT d.outbox_id)::int AS delivered
           FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id WHERE o.aggregate_id = $1`,
        [incidentId],
      );
      return rows[0].open === 0 && rows[0].intents === rows[0].delivered;
    });
  }

  it('a filed incident gets a pending reminder at awareAt + 1 h − 15 min', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const awareAt = t.clock.now().getTime() - 5 * MINUTE; // the fixture's awareAt
    const [report] = await deadlinesOf(filed.id, 'report');
    const reminders = await deadlinesOf(filed.id, 'report_due_soon');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({ status: 'pending', late_by_ms: null });
    expect(reminders[0]!.due_at.getTime()).toBe(awareAt + HOUR - LEAD);
    expect(reminders[0]!.due_at.getTime()).toBe(report!.due_at.getTime() - LEAD);
    expect(filed.deadlines).toContainEqual({ kind: 'report_due_soon', dueAt: new Date(awareAt + HOUR - LEAD).toISOString(), status: 'pending' });
  });

  it('uses the agency’s own lead from its policy', async () => {
    const current = await t.http().get(`/api/agencies/${w.sub}/policy`).set('Authorization', `Bearer ${w.tokens.ciso}`);
    expect(current.status).toBe(200);
    const updated = await putPolicy(t, w.tokens.ciso, w.sub, { ...current.body.policy, reportReminderLead: 'PT30M' });
    expect(updated.status).toBe(200);
    try {
      const filed = await fileIncident(t, w.tokens.reporter);
      const [report] = await deadlinesOf(filed.id, 'report');
      const [reminder] = await deadlinesOf(filed.id, 'report_due_soon');
      expect(reminder!.due_at.getTime()).toBe(report!.due_at.getTime() - 30 * MINUTE);
    } finally {
      expect((await putPolicy(t, w.tokens.ciso, w.sub, current.body.policy)).status).toBe(200);
    }
  });

  it('names the report’s deadline even when an unanswered page falls due sooner', async () => {
    const filed = await fileIncident(t, w.tokens.reporter); // not acknowledged: its paging timeout comes before the report is due
    const [reminder] = await deadlinesOf(filed.id, 'report_due_soon');
    const [report] = await deadlinesOf(filed.id, 'report');
    const [page] = await deadlinesOf(filed.id, 'acknowledgement');
    expect(page!.due_at.getTime()).toBeLessThan(report!.due_at.getTime());
    t.clock.set(new Date(reminder!.due_at.getTime() + 1000));
    expect(['fired', 'not-pending']).toContain(await deadlines().fire(reminder!.id));
    await allDelivered(filed.id);
    await waitFor('the reminders parsed by the sink', async () => reminderMails(filed.reference).length >= 2);
    const reportLocal = new Date(report!.due_at.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
    for (const mail of reminderMails(filed.reference)) expect(mail.text).toMatch(new RegExp(`(Report due|通報期限): ${reportLocal}`));
  });

  it('going off, sends exactly one "report due soon" e-mail per person who must report, fired, no breach, not overdue', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    // Acknowledged, so no page escalates while the clock moves.
    const acknowledged = expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    const [reminder] = await deadlinesOf(filed.id, 'report_due_soon');
    const [report] = await deadlinesOf(filed.id, 'report');
    await allDelivered(filed.id);
    expect(reminderMails(filed.reference)).toHaveLength(0);

    // One millisecond early: nothing happens.
    t.clock.set(new Date(reminder!.due_at.getTime() - 1));
    expect(await deadlines().fire(reminder!.id)).toBe('not-due');
    expect(await reminderIntents(filed.id)).toHaveLength(0);

    const firedAt = t.clock.set(new Date(reminder!.due_at.getTime() + MINUTE));
    // The worker's own reconciler may take it first; either way it goes off once.
    expect(['fired', 'not-pending']).toContain(await deadlines().fire(reminder!.id));
    await waitFor('the reminder has fired', async () => (await deadlineById(reminder!.id)).status === 'fired');
    expect(await deadlines().fire(reminder!.id)).toBe('not-pending');
    expect(await deadlineById(reminder!.id)).toMatchObject({ status: 'fired', late_by_ms: null });
    expect(await deadlineById(report!.id)).toMatchObject({ status: 'pending' });

    const intents = await reminderIntents(filed.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.audience).toEqual([
      { kind: 'escalationTarget', target: 'on_call_manager' },
      { kind: 'role', role: 'ciso' },
    ]);
    await allDelivered(filed.id);
    const { rows: deliveries } = await t.db.query(
      `SELECT d.address, d.locale, d.status FROM deliveries d WHERE d.outbox_id = $1 AND d.channel = 'email' ORDER BY d.address`,
      [intents[0]!.id],
    );
    // Nobody on call by schedule: the on-call managers; and the CISO.
    expect(deliveries).toEqual([
      { address: 'ciso@sub.gov.tw', locale: 'en', status: 'sent' },
      { address: 'manager@sub.gov.tw', locale: 'zh-TW', status: 'sent' },
    ]);
    const mails = reminderMails(filed.reference);
    expect(mails).toHaveLength(2);
    const to = (m: ParsedMail) => JSON.stringify(m.to);
    const toManager = mails.find((m) => to(m).includes('manager@sub.gov.tw'))!;
    const toCiso = mails.find((m) => to(m).includes('ciso@sub.gov.tw'))!;
    expect(toManager.subject).toBe(`[TLP:AMBER] 資安事件 ${filed.reference} 通報期限將至`);
    expect(toCiso.subject).toBe(`[TLP:AMBER] Security incident ${filed.reference}: report due soon`);
    // The deadline it names is the report's (not the reminder's), in Taipei time; AMBER: no details.
    const reportLocal = new Date(report!.due_at.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
    expect(toCiso.text).toContain(`Report due: ${reportLocal} (Asia/Taipei, UTC+08:00)`);
    expect(toManager.text).toContain(`通報期限: ${reportLocal}`);
    for (const mail of mails) {
      expect(mail.text!.startsWith('[TLP:AMBER]')).toBe(true);
      expect(mail.text).toContain(`https://ir.sub.gov.tw/incidents/${filed.id}`);
      for (const secret of ['Website defaced', 'foreign banner', 'www.sub.gov.tw'])
        expect([mail.subject, mail.text, String(mail.html)].join('\n')).not.toContain(secret);
    }

    // A reminder is not a breach: not overdue, no breach recorded or audited, one timeline entry.
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident).toMatchObject({ version: acknowledged.version + 1, overdue: false, breaches: [] });
    expect(incident.deadlines).toContainEqual({ kind: 'report_due_soon', dueAt: reminder!.due_at.toISOString(), status: 'fired' });
    const audits = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'incident.deadline_breached' AND target_id = $1`, [filed.id]);
    expect(audits.rows[0].n).toBe(0);
    const timeline = expectOk(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    expect(timeline.items.filter((e: any) => e.entry === 'report_due_soon')).toEqual([
      expect.objectContaining({ data: { dueAt: report!.due_at.toISOString() }, at: firedAt.toISOString() }),
    ]);
    const overdue = expectOk(await t.http().get('/api/incidents?overdue=true').set(auth(w.tokens.manager)));
    expect(overdue.items.map((i: any) => i.id)).not.toContain(filed.id);

    // Still one reminder each after the worker's reconciler had every chance to go again.
    await deadlines().reconcile();
    await allDelivered(filed.id);
    expect(reminderMails(filed.reference)).toHaveLength(2);
    expect(await reminderIntents(filed.id)).toHaveLength(1);

    // The report made in time after the reminder: met, and the reminder stays fired.
    const triaged = expectOk(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }, triaged.version));
    expect(await deadlineById(report!.id)).toMatchObject({ status: 'met' });
    expect(await deadlineById(reminder!.id)).toMatchObject({ status: 'fired' });
  });

  it('an incident reported before the reminder time has its reminder cancelled and gets no e-mail', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const [reminder] = await deadlinesOf(filed.id, 'report_due_soon');
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    expectOk(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    t.clock.advance(10 * MINUTE);
    const reported = expectOk(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    expect(reported.deadlines.find((d: any) => d.kind === 'report').status).toBe('met');
    expect(reported.deadlines.find((d: any) => d.kind === 'report_due_soon').status).toBe('cancelled');
    expect(await deadlineById(reminder!.id)).toMatchObject({ status: 'cancelled', late_by_ms: null });

    t.clock.set(new Date(reminder!.due_at.getTime() + 5 * MINUTE));
    expect(await deadlines().fire(reminder!.id)).toBe('not-pending');
    await deadlines().reconcile();
    await allDelivered(filed.id);
    expect(await reminderIntents(filed.id)).toHaveLength(0);
    expect(reminderMails(filed.reference)).toHaveLength(0);
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident).toMatchObject({ version: reported.version, overdue: false, breaches: [] });
  });

  it('a level change after the report restarts the report clock and its reminder from the reclassification', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    expectOk(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    const reclassifiedAt = t.clock.advance(20 * MINUTE).getTime();
    expectOk(
      await send(t, w.tokens.ciso, filed.id, { type: 'RECLASSIFY', impact: { confidentiality: 3, integrity: 2, availability: 2 }, reason: 'data leaked' }),
    );
    const reminders = await deadlinesOf(filed.id, 'report_due_soon');
    expect(reminders.map((r) => r.status)).toEqual(['cancelled', 'pending']);
    expect(reminders[1]!.due_at.getTime()).toBe(reclassifiedAt + HOUR - LEAD);
  });

  it('a reminder that comes only after the report was due is not sent', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    const [reminder] = await deadlinesOf(filed.id, 'report_due_soon');
    const [report] = await deadlinesOf(filed.id, 'report');
    // The worker was down past the report's due time: the report clock breaches, the reminder never goes out.
    t.clock.set(new Date(report!.due_at.getTime() + MINUTE));
    expect(['stale', 'not-pending']).toContain(await deadlines().fire(reminder!.id));
    expect(['fired', 'not-pending']).toContain(await deadlines().fire(report!.id));
    await waitFor('the report clock has breached', async () => (await deadlineById(report!.id)).status === 'breached');
    expect(['superseded', 'cancelled']).toContain((await deadlineById(reminder!.id)).status);
    await allDelivered(filed.id);
    expect(await reminderIntents(filed.id)).toHaveLength(0);
    expect(reminderMails(filed.reference)).toHaveLength(0);
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident.overdue).toBe(true);
    expect(incident.breaches.map((b: any) => b.kind)).toEqual(['report']);
  });
});
