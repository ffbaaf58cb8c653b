import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestingModule } from '@nestjs/testing';
import { NotificationProcessor } from '../apps/api/src/notifications/notification.processor.js';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import type { ParsedMail } from 'mailparser';

const INTENTS = 500;

describe('notifications: the worker killed mid-batch and restarted loses nothing', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  const workers: TestingModule[] = [];
  const closed = new Set<TestingModule>();
  const prefix = `{notify-restart-${process.pid}-${Date.now()}}`;

  async function startWorker(): Promise<TestingModule> {
    const worker = await startTestWorker(t, {
      SMTP_URL: sink.url,
      QUEUE_PREFIX: prefix,
      NOTIFY_BACKOFF_MS: '20',
      NOTIFY_ATTEMPTS: '3',
      MAIL_FROM: 'Incident Response <ir@sub.gov.tw>',
      PUBLIC_URL: 'https://ir.sub.gov.tw',
      DATABASE_POOL_SIZE: '4',
    });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    // Each message is accepted only after 25 ms, so that jobs are in flight (between the 'sending'
    // mark and the server's acceptance) when the worker is stopped.
    sink = await startSmtpSink({ beforeAccept: () => new Promise((r) => setTimeout(r, 25)) });
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
  });
  afterAll(async () => {
    for (const worker of workers) if (!closed.has(worker)) await worker.close();
    await t.close();
    await sink.close();
  });

  it('every intent ends with exactly one sent delivery; duplicates stay within the deliveries left sending', async () => {
    // The incident is filed with no worker running: its own notifications are relayed by the first worker too.
    const incident = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const ids: string[] = [];
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < INTENTS; i++) {
      const id = randomUUID();
      ids.push(id);
      params.push(
        id,
        w.sub,
        incident.id,
        JSON.stringify({ reference: incident.reference, level: 2, state: 'reported', tlp: 'GREEN', dataLevel: 'general', isDrill: false }),
      );
      // 'responder' is held by one user of the seeded agency (responder@sub.gov.tw): one delivery per intent.
      values.push(
        `($${i * 4 + 1}, $${i * 4 + 2}, 'incident', $${i * 4 + 3}, 'incident.triaged', '[{"kind":"role","role":"responder"}]', $${i * 4 + 4}, now())`,
      );
    }
    await t.db.query(
      `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ${values.join(',')}`,
      params,
    );

    const sentCount = async () =>
      (await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE outbox_id = ANY($1) AND status = 'sent'`, [ids])).rows[0].n as number;
    const sendingIds = async () =>
      new Set(
        (await t.db.query(`SELECT outbox_id FROM deliveries WHERE outbox_id = ANY($1) AND status = 'sending'`, [ids])).rows.map(
          (r: { outbox_id: string }) => r.outbox_id,
        ),
      );

    const first = await startWorker();
    await first.get(OutboxRelay).drain();
    const sentBeforeStop = await until('some but not all deliveries sent', async () => {
      const n = await sentCount();
      return n >= INTENTS / 5 && n;
    });
    expect(sentBeforeStop).toBeLessThan(INTENTS);

    // Stop the worker mid-batch: the deliveries 'sending' just before and right after the stop are the
    // at-least-once window (accepted by the server, not yet recorded as sent).
    const sendingBefore = await sendingIds();
    // FORCE_KILL=1: abandon the in-flight jobs (BullMQ force close) as a killed process would; the new
    // worker then recovers them as stalled jobs once their lock expires (about a minute; off by default).
    if (process.env.FORCE_KILL) await first.get(NotificationProcessor).worker.close(true);
    await first.close();
    closed.add(first);
    const sendingAfter = await sendingIds();
    const sentAtStop = await sentCount();
    const window = new Set([...sendingBefore, ...sendingAfter]);
    const receivedAtStop = sink.messages.length;

    await startWorker();
    await until('every intent sent after the restart', async () => (await sentCount()) === INTENTS, 90_000);

    const rows = await t.db.query(`SELECT outbox_id, status, message_id FROM deliveries WHERE outbox_id = ANY($1)`, [ids]);
    const perOutbox = new Map<string, number>();
    for (const r of rows.rows) perOutbox.set(r.outbox_id, (perOutbox.get(r.outbox_id) ?? 0) + 1);
    expect([...perOutbox.values()].filter((n) => n !== 1)).toEqual([]);
    expect(perOutbox.size).toBe(INTENTS);
    expect(rows.rows.filter((r) => r.status !== 'sent')).toEqual([]);

    const wanted = new Set(ids);
    const outboxOf = (m: ParsedMail) => /^<([0-9a-f-]{36})\./.exec(m.messageId ?? '')?.[1] ?? '';
    const got = sink.messages.filter((m) => wanted.has(outboxOf(m)));
    const received = new Map<string, number>();
    for (const m of got) received.set(m.messageId!, (received.get(m.messageId!) ?? 0) + 1);
    const receivedOutboxes = new Set(got.map(outboxOf));
    const missing = ids.filter((id) => !receivedOutboxes.has(id));
    const duplicates = [...received.values()].reduce((n, c) => n + c - 1, 0);
    const duplicatedOutsideWindow = [...received.entries()].filter(([mid, c]) => c > 1 && !window.has(/^<([0-9a-f-]{36})\./.exec(mid)?.[1] ?? ''));

    console.log(
      [
        `intents ${INTENTS}`,
        `sent when the stop began ${sentBeforeStop}`,
        `sent after the first worker closed ${sentAtStop}`,
        `received by the sink at the stop ${receivedAtStop}`,
        `sending just before the stop ${sendingBefore.size}`,
        `sending right after the stop ${sendingAfter.size}`,
        `at-least-once window ${window.size}`,
        `messages received ${got.length}`,
        `distinct Message-IDs ${received.size}`,
        `duplicates ${duplicates}`,
        `duplicates outside the window ${duplicatedOutsideWindow.length}`,
        `intents never received ${missing.length}`,
      ].join('\n'),
    );

    expect(missing).toEqual([]);
    expect(got.length).toBeGreaterThanOrEqual(INTENTS);
    expect(duplicates).toBeLessThanOrEqual(window.size);
    expect(duplicatedOutsideWindow).toEqual([]);
    // The stored Message-ID of each delivery is the one the sink received.
    for (const r of rows.rows) expect(received.has(r.message_id)).toBe(true);
  }, 150_000);
});
