import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';
import { deleteQueueKeys } from './support/queue-keys.js';

/*
 * The outbox row is the truth and the BullMQ job only its wake-up: intents whose jobs were lost
 * (Redis flushed after the relay queued them) are queued again by the reconciler once they are
 * old enough, and delivered once per recipient; finished intents are never touched again.
 */

describe('notifications: intents whose jobs were lost are queued again', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{notify-reconcile-${process.pid}-${randomUUID().slice(0, 8)}}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  it('delivers intents the relay queued before Redis lost them, once per recipient, and leaves finished ones alone', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    // The relay queued them (enqueued_at set), then Redis lost every job: no job exists for them.
    const { rows: intents } = await t.db.query(`UPDATE outbox SET enqueued_at = $2 WHERE aggregate_id = $1 RETURNING id`, [filed.id, t.clock.now()]);
    expect(intents.length).toBeGreaterThan(0);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, PUBLIC_URL: 'https://ir.sub.gov.tw' });
    const relay = worker.get(OutboxRelay);

    // Not yet: an intent queued a moment ago may simply be waiting its turn.
    expect(await relay.reconcile()).toBe(0);
    t.clock.advance(11 * 60_000);
    expect(await relay.reconcile()).toBe(intents.length);

    const delivered = await until('every intent finished and its deliveries sent', async () => {
      const { rows } = await t.db.query(
        `SELECT o.id, o.finished_at, count(d.id)::int AS deliveries, count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent
           FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id WHERE o.aggregate_id = $1 GROUP BY o.id`,
        [filed.id],
      );
      return rows.every((r) => r.finished_at && r.deliveries === r.sent) && rows;
    });
    const expected = delivered.reduce((n, r) => n + r.sent, 0);
    await until('the sink parsed every e-mail', async () => sink.messages.filter((m) => (m.subject ?? '').includes(filed.reference)).length >= expected);
    const mails = sink.messages.filter((m) => (m.subject ?? '').includes(filed.reference));
    const perRecipientAndIntent = new Set(mails.map((m) => `${JSON.stringify(m.to)}|${m.messageId}`));
    expect(perRecipientAndIntent.size).toBe(mails.length);
    expect(mails).toHaveLength(expected);

    // Finished intents are never queued again.
    t.clock.advance(60 * 60_000);
    expect(await relay.reconcile()).toBe(0);
  });
});
