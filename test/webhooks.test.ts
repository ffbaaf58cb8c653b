import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { WebhookHostResolver } from '../apps/api/src/webhooks/webhook-host-resolver.js';
import { createTestApp, login, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
/** What the operator of these tests allows: the loopback address the test server listens on, and nothing else. */
const ALLOW_TEST_SERVER = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' };

describe('webhooks: no internal targets, and they can be disabled and deleted', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  let server: Server;
  let base: string;
  const hits: Array<{ path: string; body: any }> = [];
  const tokens: Record<'admin' | 'supAdmin' | 'othAdmin', string> = { admin: '', supAdmin: '', othAdmin: '' };
  const prefix = `{webhooks-${process.pid}-${Date.now()}}`;

  async function startWorker(env: Record<string, string>): Promise<TestingModule> {
    return startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, NOTIFY_BACKOFF_MS: '20', NOTIFY_ATTEMPTS: '3', DATABASE_POOL_SIZE: '3', ...env });
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', body: JSON.parse(raw || 'null') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix, ...ALLOW_TEST_SERVER });
    w = await seedIncidentWorld(t);
    await seedUser(t, { agencyId: w.sub, email: 'admin@sub.gov.tw', roles: ['admin'] });
    await seedUser(t, { agencyId: w.sup, email: 'admin@sup.gov.tw', roles: ['admin'] });
    await seedUser(t, { agencyId: w.oth, email: 'admin@oth.gov.tw', roles: ['admin'] });
    tokens.admin = await login(t, 'admin@sub.gov.tw');
    tokens.supAdmin = await login(t, 'admin@sup.gov.tw');
    tokens.othAdmin = await login(t, 'admin@oth.gov.tw');
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
    await new Promise((r) => server.close(r));
  });

  const create = (app: TestApp, token: string, agencyId: string, url: string) =>
    app.http().post('/api/webhooks').set(auth(token)).send({ agencyId, url, description: 'chat bridge' });
  const hooksOf = async (token: string) => ok(await t.http().get('/api/webhooks').set(auth(token))).items;
  const auditOf = async (action: string) =>
    (await t.db.query('SELECT target_id, actor_id, outcome FROM audit_events WHERE action = $1 ORDER BY seq', [action])).rows as Array<{
      target_id: string;
      actor_id: string;
      outcome: string;
    }>;
  /** Files an incident and waits until the worker has finished every intent of it. */
  async function fileAndDeliver(classification = { tlp: 'GREEN', dataLevel: 'general' }): Promise<{ id: string; reference: string }> {
    const filed = await fileIncident(t, w.tokens.reporter, { classification });
    await until('every intent of the incident finished', async () => {
      const r = await t.db.query('SELECT count(*)::int AS n, count(finished_at)::int AS done FROM outbox WHERE aggregate_id = $1', [filed.id]);
      return r.rows[0].n > 0 && r.rows[0].n === r.rows[0].done;
    });
    return filed;
  }
  const hitsFor = (reference: string) => hits.filter((h) => h.body?.reference === reference);
  /** The same, by a worker whose operator allows no internal target: every delivery to the test server is refused. */
  async function fileAndDeliverRefused(): Promise<{ id: string; reference: string }> {
    const strict = await startWorker({});
    try {
      return await fileAndDeliver();
    } finally {
      await strict.close();
    }
  }

  it('refuses loopback, link-local, private and non-https targets without an allow-list, and records nothing', async () => {
    const bare = await createTestApp();
    try {
      const agency = await seedAgency(bare.db, { code: 'BARE' });
      await seedUser(bare, { agencyId: agency, email: 'admin@bare.gov.tw', roles: ['admin'] });
      const admin = await login(bare, 'admin@bare.gov.tw');
      const refused: Array<[string, string]> = [
        [`${base}/hook`, 'publicAddress'],
        [`${base}/hook`, 'https'],
        ['https://127.0.0.1/hook', 'publicAddress'],
        ['https://localhost/hook', 'publicAddress'],
        ['http://169.254.169.254/latest/meta-data/', 'publicAddress'],
        ['https://169.254.169.254/latest/meta-data/', 'publicAddress'],
        ['https://10.0.0.8/hook', 'publicAddress'],
        ['https://172.20.0.1/hook', 'publicAddress'],
        ['https://192.168.0.1/hook', 'publicAddress'],
        ['https://100.64.0.1/hook', 'publicAddress'],
        ['https://[::1]/hook', 'publicAddress'],
        ['https://[fe80::1]/hook', 'publicAddress'],
        ['https://[fd00::1]/hook', 'publicAddress'],
        ['https://[::ffff:127.0.0.1]/hook', 'publicAddress'],
        ['https://[::ffff:169.254.169.254]/hook', 'publicAddress'],
        ['http://93.184.215.14/hook', 'https'],
        ['https://no-such-host.invalid/hook', 'resolvable'],
      ];
      for (const [url, rule] of refused) {
        const res = await create(bare, admin, agency, url);
        expect([url, res.status, res.headers['content-type']]).toEqual([url, 422, expect.stringMatching(/^application\/problem\+json/)]);
        expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'url', rule, message: expect.any(String) }));
      }
      expect((await bare.http().get('/api/webhooks').set(auth(admin))).body.items).toEqual([]);
      expect((await bare.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'webhook.create'`)).rows[0].n).toBe(0);
      // https to a public address is what a webhook is for.
      const accepted = ok(await create(bare, admin, agency, 'https://93.184.215.14/hook'), 201);
      expect(accepted.enabled).toBe(true);
      expect((await bare.http().delete(`/api/webhooks/${accepted.id}`).set(auth(admin))).status).toBe(204);
    } finally {
      await bare.close();
    }
  });

  it('allows what WEBHOOK_ALLOWED_HOSTS names, over http too, and nothing next to it', async () => {
    const created = ok(await create(t, tokens.admin, w.sub, `${base}/allowed`), 201);
    const next = await create(t, tokens.admin, w.sub, base.replace('127.0.0.1', '127.0.0.2') + '/hook');
    expect(next.status).toBe(422);
    expect(next.body.errors).toContainEqual(expect.objectContaining({ field: 'url', rule: 'publicAddress' }));
    expect((await create(t, tokens.admin, w.sub, 'https://169.254.169.254/')).status).toBe(422);
    expect((await t.http().delete(`/api/webhooks/${created.id}`).set(auth(tokens.admin))).status).toBe(204);
  });

  it('checks the target again at delivery: a worker not allowed to reach it refuses, says why, and does not retry', async () => {
    const hook = ok(await create(t, tokens.admin, w.sub, `${base}/rechecked`), 201);
    let filed: { id: string; reference: string };
    try {
      filed = await fileAndDeliverRefused();
    } finally {
      await t.db.query('UPDATE webhooks SET enabled = false WHERE id = $1', [hook.id]);
    }
    expect(hits.filter((h) => h.path === '/rechecked')).toEqual([]);
    const rows = (
      await t.db.query(
        `SELECT d.status, d.attempts, d.last_error FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.aggregate_id = $1 AND d.channel = 'webhook'`,
        [filed.id],
      )
    ).rows;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(row).toEqual({ status: 'dead', attempts: 1, last_error: expect.stringMatching(/^refused: .*127\.0\.0\.1 is a loopback address/) });
    // The e-mails went out all the same, and the history shows the refusal.
    const history = ok(await t.http().get(`/api/incidents/${filed.id}/notifications`).set(auth(w.tokens.manager))).items;
    const webhookDeliveries = history.flatMap((i: any) => i.deliveries).filter((d: any) => d.channel === 'webhook');
    expect(webhookDeliveries.length).toBe(rows.length);
    for (const d of webhookDeliveries) expect(d).toMatchObject({ address: `${base}/rechecked`, status: 'dead', error: expect.stringContaining('loopback') });
    expect(history.flatMap((i: any) => i.deliveries).filter((d: any) => d.channel === 'email' && d.status !== 'sent')).toEqual([]);
    expect((await t.http().delete(`/api/webhooks/${hook.id}`).set(auth(tokens.admin))).status).toBe(204);
  });

  it('delivers nothing to a webhook once it is disabled or deleted; a re-enabled one receives again', async () => {
    const a = ok(await create(t, tokens.admin, w.sub, `${base}/a`), 201);
    const b = ok(await create(t, tokens.admin, w.sub, `${base}/b`), 201);
    const worker = await startWorker(ALLOW_TEST_SERVER);
    try {
      const first = await fileAndDeliver();
      expect(new Set(hitsFor(first.reference).map((h) => h.path))).toEqual(new Set(['/a', '/b']));

      const disabled = ok(await t.http().patch(`/api/webhooks/${a.id}`).set(auth(tokens.admin)).send({ enabled: false }));
      expect(disabled).toMatchObject({ id: a.id, enabled: false });
      expect(disabled).not.toHaveProperty('secret');
      expect((await t.http().delete(`/api/webhooks/${b.id}`).set(auth(tokens.admin))).status).toBe(204);
      expect((await t.http().delete(`/api/webhooks/${b.id}`).set(auth(tokens.admin))).status).toBe(404);
      const listed = ok(await t.http().get('/api/webhooks').set(auth(tokens.admin))).items;
      expect(listed.map((h: any) => [h.id, h.enabled])).toEqual([[a.id, false]]);
      const adminId = (await t.db.query(`SELECT id FROM users WHERE email = 'admin@sub.gov.tw'`)).rows[0].id;
      expect((await auditOf('webhook.disable')).filter((r) => r.target_id === a.id)).toEqual([{ target_id: a.id, actor_id: adminId, outcome: 'success' }]);
      expect(await auditOf('webhook.delete')).toContainEqual({ target_id: b.id, actor_id: adminId, outcome: 'success' });

      const second = await fileAndDeliver();
      expect(hitsFor(second.reference)).toEqual([]);
      const rows = await t.db.query(
        `SELECT count(*)::int AS n FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.aggregate_id = $1 AND d.channel = 'webhook'`,
        [second.id],
      );
      expect(rows.rows[0].n).toBe(0);

      expect(ok(await t.http().patch(`/api/webhooks/${a.id}`).set(auth(tokens.admin)).send({ enabled: true })).enabled).toBe(true);
      expect(await auditOf('webhook.enable')).toEqual([{ target_id: a.id, actor_id: adminId, outcome: 'success' }]);
      const third = await fileAndDeliver();
      expect(new Set(hitsFor(third.reference).map((h) => h.path))).toEqual(new Set(['/a']));
    } finally {
      await worker.close();
      await t.db.query('DELETE FROM webhooks');
    }
  });

  it('lets only the agency’s admins (or those above it) disable or delete a webhook', async () => {
    const hook = ok(await create(t, tokens.admin, w.sub, `${base}/guarded`), 201);
    const patch = (token: string, body: unknown, id = hook.id) =>
      t
        .http()
        .patch(`/api/webhooks/${id}`)
        .set(auth(token))
        .send(body as object);
    const remove = (token: string, id = hook.id) => t.http().delete(`/api/webhooks/${id}`).set(auth(token));
    expect((await patch(w.tokens.manager, { enabled: false })).status).toBe(403);
    expect((await remove(w.tokens.ciso)).status).toBe(403);
    expect((await patch(tokens.othAdmin, { enabled: false })).status).toBe(404);
    expect((await remove(tokens.othAdmin)).status).toBe(404);
    expect((await remove(tokens.admin, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await remove(tokens.admin, 'not-a-uuid')).body.errors).toEqual([expect.objectContaining({ field: 'id', rule: 'isUUID' })]);
    for (const body of [{}, { enabled: 'no' }, { enabled: false, url: 'https://93.184.215.14/' }]) {
      const res = await patch(tokens.admin, body);
      expect(res.status).toBe(400);
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    expect(ok(await t.http().get('/api/webhooks').set(auth(tokens.admin))).items).toEqual([expect.objectContaining({ id: hook.id, enabled: true })]);
    // The superior agency's admin manages its subordinates' webhooks, as it creates them.
    expect(ok(await patch(tokens.supAdmin, { enabled: false })).enabled).toBe(false);
    expect((await remove(tokens.supAdmin)).status).toBe(204);
    expect(await hooksOf(tokens.admin)).toEqual([]);
  });

  it('disables a webhook refused at delivery for a lasting reason, once: audited as the system, the admins alerted once', async () => {
    const hook = ok(await create(t, tokens.admin, w.sub, `${base}/lasting`), 201);
    const mailsBefore = sink.messages.length;
    // Every intent of the incident is refused (127.0.0.1 is loopback, over http): the first refusal disables it.
    const filed = await fileAndDeliverRefused();
    try {
      expect(hits.filter((h) => h.path === '/lasting')).toEqual([]);
      expect((await hooksOf(tokens.admin)).find((h: any) => h.id === hook.id)).toMatchObject({ id: hook.id, enabled: false });
      const audited = (
        await t.db.query(`SELECT actor_id, actor_label, agency_id, outcome, details FROM audit_events WHERE action = 'webhook.disable' AND target_id = $1`, [
          hook.id,
        ])
      ).rows;
      expect(audited).toEqual([
        {
          actor_id: null,
          actor_label: 'system',
          agency_id: w.sub,
          outcome: 'success',
          details: {
            url: `${base}/lasting`,
            reason: 'delivery_refused',
            rules: expect.arrayContaining(['publicAddress']),
            detail: expect.stringMatching(/^refused: .*loopback/),
            deliveryId: expect.any(String),
          },
        },
      ]);
      const alerts = (
        await t.db.query(`SELECT agency_id, audience, finished_at, payload FROM outbox WHERE template = 'webhook.disabled' AND aggregate_id = $1`, [filed.id])
      ).rows;
      expect(alerts).toEqual([
        { agency_id: w.sub, audience: [{ kind: 'role', role: 'admin' }], finished_at: expect.any(Date), payload: expect.objectContaining({ webhook: base }) },
      ]);
      // One e-mail, to the agency's admin, in their language, naming the target's origin but not its path.
      const mails = sink.messages.slice(mailsBefore).filter((m) => (m.subject ?? '').includes('Webhook'));
      expect(mails.map((m) => [m.subject, (m.to as { text: string }).text])).toEqual([
        [`[TLP:GREEN] 【系統】Webhook 已停用 ${filed.reference}`, 'admin@sub.gov.tw'],
      ]);
      expect(mails[0]!.text).toContain(`Webhook 目標: ${base}`);
      expect(mails[0]!.text).not.toContain('/lasting');
      // An admin re-enables it once the operator allows the target (its URL is checked again).
      expect(ok(await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(tokens.admin)).send({ enabled: true })).enabled).toBe(true);
    } finally {
      expect((await t.http().delete(`/api/webhooks/${hook.id}`).set(auth(tokens.admin))).status).toBe(204);
    }
  });

  it('posts the classification with the label it is shown under, and the kind of the deadline it shows', async () => {
    const hook = ok(await create(t, tokens.admin, w.sub, `${base}/labelled`), 201);
    const worker = await startWorker(ALLOW_TEST_SERVER);
    let filed: { id: string; reference: string };
    try {
      filed = await fileAndDeliver({ tlp: 'CLEAR', dataLevel: 'general' });
    } finally {
      await worker.close();
      expect((await t.http().delete(`/api/webhooks/${hook.id}`).set(auth(tokens.admin))).status).toBe(204);
    }
    const received = hitsFor(filed.reference).filter((h) => h.path === '/labelled');
    expect(received.length).toBeGreaterThan(0);
    const deadlines = (await t.db.query(`SELECT kind, due_at FROM deadlines WHERE subject_type = 'incident' AND subject_id = $1`, [filed.id])).rows;
    for (const { body } of received) {
      // CLEAR at the general data level is shown as GREEN (the data level's floor), as the API shows it.
      expect(body.classification).toEqual({ tlp: 'CLEAR', dataLevel: 'general', label: 'GREEN' });
      expect(body.deadline).toEqual(expect.any(String));
      expect(deadlines).toContainEqual({ kind: body.deadlineKind, due_at: new Date(body.deadline) });
    }
    expect(received.find((h) => h.body.template === 'incident.filed')!.body.deadlineKind).toBe('report');
  });

  it('checks a re-enabled webhook’s target (DNS) before locking its row, never while holding the lock', async () => {
    const resolver = t.app.get(WebhookHostResolver);
    const resolve = resolver.resolve.bind(resolver);
    const port = new URL(base).port;
    let hookId = '';
    const whileResolving: string[] = [];
    // The host resolves to the test server; while it resolves, another connection tries the row's lock at once.
    resolver.resolve = async (host: string) => {
      if (hookId) {
        const client = await t.db.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT id FROM webhooks WHERE id = $1 FOR UPDATE NOWAIT', [hookId]);
          whileResolving.push('free');
        } catch (error) {
          whileResolving.push(`locked (${(error as { code?: string }).code})`);
        } finally {
          await client.query('ROLLBACK');
          client.release();
        }
      }
      return host === 'hooks.test' ? [{ address: '127.0.0.1', family: 'ipv4' }] : resolve(host);
    };
    try {
      const hook = ok(await create(t, tokens.admin, w.sub, `http://hooks.test:${port}/named`), 201);
      hookId = hook.id;
      expect(ok(await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(tokens.admin)).send({ enabled: false })).enabled).toBe(false);
      expect(whileResolving).toEqual([]);
      expect(ok(await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(tokens.admin)).send({ enabled: true })).enabled).toBe(true);
      expect(whileResolving).toEqual(['free']);
      expect((await t.http().delete(`/api/webhooks/${hook.id}`).set(auth(tokens.admin))).status).toBe(204);
    } finally {
      resolver.resolve = resolve;
    }
  });
});
