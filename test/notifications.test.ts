import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestingModule } from '@nestjs/testing';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, login, seedUser, type TestApp } from './support/test-app.js';
import { signWebhook } from '../libs/notify/src/index.js';
import { waitFor as until } from './support/wait.js';

describe('notifications: outbox → BullMQ → SMTP, never lost, never leaking', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  const workers: TestingModule[] = [];
  const prefix = `{notify-${process.pid}-${Date.now()}}`;

  async function startWorker(): Promise<TestingModule> {
    const worker = await startTestWorker(t, {
      SMTP_URL: sink.url,
      QUEUE_PREFIX: prefix,
      NOTIFY_BACKOFF_MS: '20',
      NOTIFY_ATTEMPTS: '3',
      MAIL_FROM: 'Incident Response <ir@sub.gov.tw>',
      PUBLIC_URL: 'https://ir.sub.gov.tw',
      DATABASE_POOL_SIZE: '4',
      // The webhook test posts to a server on loopback: the operator's allow-list permits it.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32',
    });
    workers.push(worker);
    return worker;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' });
    w = await seedIncidentWorld(t);
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'ciso@sub.gov.tw'`);
    await startWorker();
  });
  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await t.close();
    await sink.close();
  });

  const deliveriesOf = (incidentId: string) =>
    t.db.query(
      `SELECT o.template, d.address, d.status, d.attempts, d.message_id FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.aggregate_id = $1 ORDER BY o.template, d.address`,
      [incidentId],
    );

  it('a filed level-3 incident mails each resolved recipient once, in their language, without confidential details', async () => {
    const before = sink.messages.length;
    const filed = await fileIncident(t, w.tokens.reporter, {
      impact: { confidentiality: 3, integrity: 1, availability: 1 },
      classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
    });
    // incident.filed → on-call managers; incident.paged → the first escalation step; incident.major → the CISO.
    const rows = await until('every delivery sent', async () => {
      const r = await deliveriesOf(filed.id);
      return r.rows.length === 3 && r.rows.every((d) => d.status === 'sent') && r.rows;
    });
    expect(rows.map((r) => [r.template, r.address])).toEqual([
      ['incident.filed', 'manager@sub.gov.tw'],
      ['incident.major', 'ciso@sub.gov.tw'],
      ['incident.paged', 'manager@sub.gov.tw'],
    ]);
    const mails = sink.messages.slice(before).filter((m) => m.headers.get('x-incident-reference') === filed.reference);
    expect(mails).toHaveLength(3);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(3);
    const toCiso = mails.find((m) => m.to && JSON.stringify(m.to).includes('ciso@sub.gov.tw'))!;
    expect(toCiso.subject).toBe(`[TLP:AMBER] [MAJOR] Level 3–4 security incident ${filed.reference}`);
    const toManager = mails.filter((m) => JSON.stringify(m.to).includes('manager@sub.gov.tw'));
    expect(toManager.map((m) => m.subject).sort()).toEqual([
      `[TLP:AMBER] 【待命呼叫】資安事件 ${filed.reference} 請確認`,
      `[TLP:AMBER] 新資安事件通報 ${filed.reference}`,
    ]);
    for (const mail of mails) {
      expect(mail.text!.startsWith('[TLP:AMBER]')).toBe(true);
      expect(mail.html).toBeTruthy();
      for (const secret of ['Website defaced', 'foreign banner', 'www.sub.gov.tw']) {
        expect(mail.subject).not.toContain(secret);
        expect(mail.text).not.toContain(secret);
        expect(String(mail.html)).not.toContain(secret);
      }
      expect(mail.text).toContain(`https://ir.sub.gov.tw/incidents/${filed.id}`);
    }
    const listed = await t.http().get(`/api/incidents/${filed.id}/notifications`).set('Authorization', `Bearer ${w.tokens.manager}`);
    expect(listed.body.items.filter((n: any) => n.status === 'sent')).toHaveLength(3);
  });

  it('includes the details of a GREEN / general incident', async () => {
    const before = sink.messages.length;
    const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await until('deliveries sent', async () => {
      const r = await deliveriesOf(filed.id);
      return r.rows.length === 2 && r.rows.every((d) => d.status === 'sent');
    });
    const mail = sink.messages.slice(before).find((m) => m.headers.get('x-incident-reference') === filed.reference)!;
    expect(mail.text).toContain('Website defaced');
    expect(mail.text).toContain('www.sub.gov.tw');
  });

  it('reaches the IT unit’s staff but not a vendor account in it', async () => {
    const unitId = randomUUID();
    await t.db.query(`INSERT INTO units (id, agency_id, name, type, created_at, updated_at) VALUES ($1, $2, 'IT', 'it', now(), now())`, [unitId, w.sub]);
    const vendorId = randomUUID();
    await t.db.query(
      `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, expires_at, created_at, updated_at)
       VALUES ($1, $2, 'ops@vendor.com.tw', 'Vendor', 'zh-TW', 'x', now(), false, $3, now(), now())`,
      [vendorId, w.sub, new Date(t.clock.now().getTime() + 30 * 86_400_000)],
    );
    await t.db.query(`INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, 'vendor', now()), ($1, 'responder', now())`, [vendorId]);
    await t.db.query(
      `INSERT INTO unit_memberships (unit_id, user_id, created_at) SELECT $1, id, now() FROM users WHERE email IN ('responder@sub.gov.tw', 'ops@vendor.com.tw')`,
      [unitId],
    );
    const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const rows = await until('filing deliveries sent', async () => {
      const r = await deliveriesOf(filed.id);
      return r.rows.length >= 3 && r.rows.every((d) => d.status === 'sent') && r.rows;
    });
    const filedTo = rows.filter((r) => r.template === 'incident.filed').map((r) => r.address);
    expect(filedTo).toEqual(['manager@sub.gov.tw', 'responder@sub.gov.tw']);
    await t.db.query(`DELETE FROM unit_memberships WHERE unit_id = $1`, [unitId]);
    await t.db.query(`DELETE FROM units WHERE id = $1`, [unitId]);
    await t.db.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [vendorId]);
  });

  it('retries a refusing SMTP server with backoff and delivers exactly once', async () => {
    sink.refuseNext(2);
    const before = sink.messages.length;
    const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const rows = await until('deliveries sent after retries', async () => {
      const r = await deliveriesOf(filed.id);
      return r.rows.length === 2 && r.rows.every((d) => d.status === 'sent') && r.rows;
    });
    expect(rows.reduce((n, r) => n + r.attempts, 0)).toBe(4);
    const mails = sink.messages.slice(before).filter((m) => m.headers.get('x-incident-reference') === filed.reference);
    expect(mails).toHaveLength(2);
  });

  it('marks deliveries dead when the server refuses for good, alerts the admins once and shows it on the incident', async () => {
    await t.db.query(`INSERT INTO role_memberships (user_id, role, granted_at) SELECT id, 'admin', now() FROM users WHERE email = 'ciso@sub.gov.tw'`);
    sink.refuseAll(true);
    const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    const rows = await until('deliveries dead', async () => {
      const r = await deliveriesOf(filed.id);
      const main = r.rows.filter((d) => d.template !== 'delivery.dead');
      return main.length === 2 && main.every((d) => d.status === 'dead') && r.rows;
    });
    expect(rows.filter((d) => d.template !== 'delivery.dead').every((d) => d.attempts === 3)).toBe(true);
    const alerts = await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND template = 'delivery.dead'`, [filed.id]);
    expect(alerts.rows[0].n).toBe(2);
    sink.refuseAll(false);
    await until('admin alert delivered', async () => {
      const r = await deliveriesOf(filed.id);
      return r.rows.some((d) => d.template === 'delivery.dead' && d.status === 'sent');
    });
    const listed = await t.http().get(`/api/incidents/${filed.id}/notifications`).set('Authorization', `Bearer ${w.tokens.manager}`);
    expect(
      listed.body.items
        .filter((n: any) => n.status === 'dead')
        .map((n: any) => n.template)
        .sort(),
    ).toEqual(['incident.filed', 'incident.paged']);
  });

  it('posts every intent to the agency’s webhooks, signed and retried, withholding details by classification', async () => {
    const received: Array<{ body: any; signature: string; timestamp: string; deliveryId: string }> = [];
    let failNext = 1;
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end('busy');
          return;
        }
        received.push({
          body: JSON.parse(raw),
          signature: String(req.headers['x-signature']),
          timestamp: String(req.headers['x-timestamp']),
          deliveryId: String(req.headers['x-delivery-id']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await seedUser(t, { agencyId: w.sub, email: 'hookadmin@sub.gov.tw', roles: ['admin'] });
      const admin = await login(t, 'hookadmin@sub.gov.tw');
      const created = await t.http().post('/api/webhooks').set('Authorization', `Bearer ${admin}`).send({ agencyId: w.sub, url, description: 'chat bridge' });
      expect(created.status).toBe(201);
      const secret = created.body.secret as string;
      expect((await t.http().get('/api/webhooks').set('Authorization', `Bearer ${admin}`)).body.items[0]).not.toHaveProperty('secret');
      const green = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
      const amber = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'AMBER', dataLevel: 'general' } });
      await until('webhook deliveries sent', async () => {
        const r = await t.db.query(
          `SELECT d.status FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.channel = 'webhook' AND o.aggregate_id = ANY($1)`,
          [[green.id, amber.id]],
        );
        return r.rows.length === 4 && r.rows.every((d) => d.status === 'sent');
      });
      expect(received).toHaveLength(4);
      for (const hit of received) expect(hit.signature).toBe(signWebhook(secret, Number(hit.timestamp), JSON.stringify(hit.body)));
      const greenFiled = received.find((h) => h.body.reference === green.reference && h.body.template === 'incident.filed')!;
      expect(greenFiled.body.title).toContain('Website defaced');
      const amberFiled = received.find((h) => h.body.reference === amber.reference && h.body.template === 'incident.filed')!;
      expect(amberFiled.body).not.toHaveProperty('title');
      expect(JSON.stringify(amberFiled.body)).not.toContain('defaced');
      const attempts = await t.db.query(`SELECT sum(attempts)::int AS n FROM deliveries WHERE channel = 'webhook'`);
      expect(attempts.rows[0].n).toBe(5);
    } finally {
      await t.db.query(`UPDATE webhooks SET enabled = false`);
      await new Promise((r) => server.close(r));
    }
  });

  it('two relays and two workers deliver every intent once: no loss, no duplicate', async () => {
    await startWorker();
    const relays = workers.map((m) => m.get(OutboxRelay));
    const agency = w.sub;
    const incident = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await until('filing notifications sent', async () => (await deliveriesOf(incident.id)).rows.every((d) => d.status === 'sent'));
    const before = sink.messages.length;
    const ids: string[] = [];
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < 1000; i++) {
      const id = randomUUID();
      ids.push(id);
      params.push(
        id,
        agency,
        incident.id,
        JSON.stringify({ reference: incident.reference, level: 2, state: 'reported', tlp: 'GREEN', dataLevel: 'general', isDrill: false }),
      );
      values.push(
        `($${i * 4 + 1}, $${i * 4 + 2}, 'incident', $${i * 4 + 3}, 'incident.triaged', '[{"kind":"user","userId":"00000000-0000-0000-0000-000000000000"},{"kind":"role","role":"responder"}]', $${i * 4 + 4}, now())`,
      );
    }
    await t.db.query(
      `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ${values.join(',')}`,
      params,
    );
    await Promise.all(relays.map((r) => r.drain()));
    await until(
      '1000 deliveries sent',
      async () => {
        const r = await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE outbox_id = ANY($1) AND status = 'sent'`, [ids]);
        return r.rows[0].n === 1000;
      },
      60_000,
    );
    const wanted = new Set(ids);
    const got = sink.messages.slice(before).filter((m) => wanted.has(/^<([0-9a-f-]{36})\./.exec(m.messageId ?? '')?.[1] ?? ''));
    expect(got).toHaveLength(1000);
    expect(new Set(got.map((m) => m.messageId)).size).toBe(1000);
    const perOutbox = await t.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE outbox_id = ANY($1) GROUP BY outbox_id HAVING count(*) <> 1`, [ids]);
    expect(perOutbox.rows).toEqual([]);
  });
});
