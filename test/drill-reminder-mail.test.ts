import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DeadlineService } from '../apps/api/src/incidents/deadline.service.js';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { moveClock, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';
import { deleteQueueKeys } from './support/queue-keys.js';

/*
 * Drill reminders and the overdue escalation as people receive them: the clock is moved to the
 * reminder's time, the due deadline fires, and the real worker delivers through a real SMTP server
 * one e-mail per recipient, in their language, labelled as a drill, with the drill's time in the
 * agency's zone. Nothing is sent before its time; the escalation goes out once.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('drill reminders by e-mail', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-drill-mail-${process.pid}-${randomUUID().slice(0, 8)}}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedContinuityWorld(t);
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'ciso@sub.gov.tw'`);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, PUBLIC_URL: 'https://ir.sub.gov.tw' });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  /** Fires what is due for this drill (as the worker's wake-up would) and waits until its intents are delivered. */
  async function fireAndDeliver(drillId: string): Promise<string[]> {
    const { rows } = await t.db.query(`SELECT id, kind FROM deadlines WHERE subject_id = $1 AND status = 'pending' AND due_at <= $2 ORDER BY due_at`, [
      drillId,
      t.clock.now(),
    ]);
    for (const r of rows) await worker.get(DeadlineService).fire(r.id);
    await worker.get(OutboxRelay).drain();
    await waitFor(`every notification of ${drillId} is delivered`, async () => {
      const { rows: open } = await t.db.query(
        `SELECT count(*) FILTER (WHERE d.status IS DISTINCT FROM 'sent')::int AS open FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id WHERE o.aggregate_id = $1`,
        [drillId],
      );
      return open[0].open === 0;
    });
    return rows.map((r) => r.kind as string);
  }

  const mailsOf = (reference: string) => sink.messages.filter((m) => (m.subject ?? '').includes(reference));

  it('sends each reminder at its time, once per person, and escalates a drill not started once', async () => {
    await moveClock(t, w, '2026-03-02T01:00:00Z');
    const plan = await t.http().post('/api/continuity/plans').set(auth(w.tokens.coordinator)).send(planBody());
    expect(plan.status).toBe(201);
    const programme = await t
      .http()
      .put(`/api/continuity/plans/${plan.body.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .send({ rrule: 'DTSTART;TZID=Asia/Taipei:20260415T090000\nRRULE:FREQ=YEARLY', drillType: 'tabletop', reminders: ['P7D'] });
    expect(programme.status).toBe(200);
    const { id, reference } = programme.body.nextDrill as { id: string; reference: string };

    await moveClock(t, w, '2026-04-08T00:59:59Z');
    expect(await fireAndDeliver(id)).toEqual([]);
    expect(mailsOf(reference)).toEqual([]);

    await moveClock(t, w, '2026-04-08T01:00:00Z');
    expect(await fireAndDeliver(id)).toEqual(['reminder']);
    // The rows say 'sent' once the server accepted; the sink parses what it accepted on its own time.
    await waitFor('both reminders parsed by the sink', async () => mailsOf(reference).length >= 2);
    const reminders = mailsOf(reference);
    expect(reminders.map((m) => (m.to as { text: string }).text).sort()).toEqual(['bcp@sub.gov.tw', 'ciso@sub.gov.tw']);
    const zh = reminders.find((m) => (m.to as { text: string }).text === 'bcp@sub.gov.tw')!;
    const en = reminders.find((m) => (m.to as { text: string }).text === 'ciso@sub.gov.tw')!;
    expect(zh.subject).toBe(`[TLP:GREEN] 【演練】營運持續演練 ${reference} 即將舉行`);
    expect(en.subject).toBe(`[TLP:GREEN] [DRILL] Reminder: business continuity drill ${reference} is coming up`);
    expect(zh.text).toContain('2026-04-15 09:00 (Asia/Taipei');
    expect(en.text).toContain(`https://ir.sub.gov.tw/drills/${id}`);

    // Not started by its date: one escalation, not one per wake-up.
    await moveClock(t, w, '2026-04-15T01:00:01Z');
    expect(await fireAndDeliver(id)).toEqual(['start']);
    await moveClock(t, w, '2026-04-16T01:00:00Z');
    expect(await fireAndDeliver(id)).toEqual([]);
    await waitFor('both escalations parsed by the sink', async () => mailsOf(reference).length >= 4);
    const overdue = mailsOf(reference).filter((m) => /逾期|OVERDUE/.test(m.subject ?? ''));
    expect(overdue.map((m) => m.subject).sort()).toEqual([
      `[TLP:GREEN] [DRILL] [OVERDUE] Business continuity drill ${reference} did not start`,
      `[TLP:GREEN] 【演練】【逾期】營運持續演練 ${reference} 未如期開始`,
    ]);
    expect(mailsOf(reference)).toHaveLength(4);
  });
});
