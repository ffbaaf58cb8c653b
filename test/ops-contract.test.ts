import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

/*
 * Issue 10, the operations side of the contract: webhooks, the audit log, the compliance report,
 * health, metrics and the queue dashboard ticket are described operation by operation (readable
 * ids, request and response schemas), and their lists page as every list does: `limit` 1–200 and
 * `cursor` in, `{items, nextCursor}` out. Every response below is also checked against the document
 * by the shared hook (support/contract.ts).
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}

describe('operations contract: webhooks, audit, reports, health, metrics, queue dashboard', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let smtp: SmtpSink;
  let admin: string;
  let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' });
    w = await seedIncidentWorld(t);
    await seedUser(t, { agencyId: w.sub, email: 'admin@sub.gov.tw', roles: ['admin'] });
    admin = await login(t, 'admin@sub.gov.tw');
    document = ok(await t.http().get('/api/openapi.json'));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('names each operation readably and describes what it takes and answers', () => {
    const op = (path: string, method: string) => document.paths[path]![method]!;
    expect(
      [
        ['/api/webhooks', 'get'],
        ['/api/webhooks', 'post'],
        ['/api/webhooks/{id}', 'patch'],
        ['/api/webhooks/{id}', 'delete'],
        ['/api/audit', 'get'],
        ['/api/audit/verify', 'get'],
        ['/api/reports/compliance', 'get'],
        ['/health', 'get'],
        ['/health/ready', 'get'],
        ['/metrics', 'get'],
        ['/api/admin/queues/ticket', 'post'],
      ].map(([path, method]) => op(path!, method!).operationId),
    ).toEqual([
      'listWebhooks',
      'createWebhook',
      'updateWebhook',
      'deleteWebhook',
      'listAuditRecords',
      'verifyAuditChain',
      'getComplianceReport',
      'checkLiveness',
      'checkReadiness',
      'scrapeMetrics',
      'issueQueueDashboardTicket',
    ]);
    // Lists take limit and cursor.
    for (const path of ['/api/webhooks', '/api/audit']) {
      expect(op(path, 'get').parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor']));
    }
    // Metrics are text, in the Prometheus exposition format's media type.
    expect(op('/metrics', 'get').responses['200']!.content).toEqual({ 'text/plain; version=0.0.4': { schema: expect.objectContaining({ type: 'string' }) } });
    // Readiness answers 503 as a problem naming each dependency.
    const notReady = op('/health/ready', 'get').responses['503']!.content!['application/problem+json']!.schema as any;
    expect(notReady.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'checks']));
    expect(notReady.properties.status).toMatchObject({ const: 503 });
    // A webhook is never listed with its secret; only its creation shows it.
    expect(Object.keys(document.components.schemas.Webhook.properties)).not.toContain('secret');
    expect(document.components.schemas.CreatedWebhook.required).toContain('secret');
    // PATCH takes exactly the editable part of what GET returns: `enabled`.
    expect(document.components.schemas.UpdateWebhook).toMatchObject({ required: ['enabled'], additionalProperties: false });
    expect(Object.keys(document.components.schemas.UpdateWebhook.properties)).toEqual(['enabled']);
  });

  it('pages webhooks with limit and cursor: each exactly once, oldest first', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .post('/api/webhooks')
        .set(auth(admin))
        .send({ agencyId: w.sub, url: `http://127.0.0.1:9/hook-${i}`, description: `bridge ${i}` });
      created.push(ok(res, 201).id);
      t.clock.advance(1000);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = ok(
        await t
          .http()
          .get('/api/webhooks')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(auth(admin)),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((h) => h.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(created);
    expect(pages).toBe(3);
    const all = ok(await t.http().get('/api/webhooks').query({ agencyId: w.sub }).set(auth(admin)));
    expect(all.items.map((h: { id: string }) => h.id)).toEqual(created);
    expect(all.nextCursor).toBeNull();
    for (const id of created) expect((await t.http().delete(`/api/webhooks/${id}`).set(auth(admin))).status).toBe(204);
  });

  it('refuses a bad limit, cursor or unknown parameter on the lists with a 400 naming it, never a 500', async () => {
    const auditor = await login(t, 'auditor@sup.gov.tw');
    const cases: Array<[string, string, Record<string, string>, string, string]> = [
      ['/api/webhooks', admin, { limit: '0' }, 'limit', 'min'],
      ['/api/webhooks', admin, { limit: '201' }, 'limit', 'max'],
      ['/api/webhooks', admin, { limit: 'ten' }, 'limit', 'isInt'],
      ['/api/webhooks', admin, { cursor: cursorOf(['not a time', 'x']) }, 'cursor', 'isCursor'],
      ['/api/webhooks', admin, { colour: 'red' }, 'colour', 'whitelist'],
      ['/api/audit', auditor, { limit: '0' }, 'limit', 'min'],
      ['/api/audit', auditor, { cursor: cursorOf(['not-a-number']) }, 'cursor', 'isCursor'],
      ['/api/audit', auditor, { cursor: cursorOf(['99999999999999999999999']) }, 'cursor', 'isCursor'],
      ['/api/audit', auditor, { outcome: 'maybe' }, 'outcome', 'isIn'],
      ['/api/audit', auditor, { from: '2026-03-02T09:00:00' }, 'from', 'isInstant'],
      ['/api/audit', auditor, { colour: 'red' }, 'colour', 'whitelist'],
    ];
    for (const [path, token, query, field, rule] of cases) {
      const res = await t.http().get(path).query(query).set(auth(token));
      expect([path, query, res.status]).toEqual([path, query, 400]);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
    }
  });

  it('pages the audit log with limit 1 through a short filtered list, each record once', async () => {
    const auditor = await login(t, 'auditor@sup.gov.tw');
    const expected = (await t.db.query(`SELECT seq::text AS seq FROM audit_events WHERE action = 'webhook.create' ORDER BY seq DESC`)).rows.map((r) => r.seq);
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ seq: string; action: string }>; nextCursor: string | null } = ok(
        await t
          .http()
          .get('/api/audit')
          .query({ action: 'webhook.create', limit: 1, ...(cursor ? { cursor } : {}) })
          .set(auth(auditor)),
      );
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor;
    } while (cursor && seen.length <= expected.length);
    expect(seen).toEqual(expected);
  });

  it('answers PATCH with the Webhook it answers GET with; PATCH takes its editable part back, and nothing else', async () => {
    const hook = ok(
      await t.http().post('/api/webhooks').set(auth(admin)).send({ agencyId: w.sub, url: 'http://127.0.0.1:9/round', description: 'round trip' }),
      201,
    );
    const [listed] = ok(await t.http().get('/api/webhooks').set(auth(admin))).items.filter((h: { id: string }) => h.id === hook.id);
    const { id: _id, agencyId: _agency, url: _url, description: _description, createdAt: _created, ...editable } = listed;
    expect(editable).toEqual({ enabled: true });
    expect(ok(await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(admin)).send(editable))).toEqual(listed);
    expect(ok(await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(admin)).send({ enabled: false }))).toEqual({ ...listed, enabled: false });
    const whole = await t.http().patch(`/api/webhooks/${hook.id}`).set(auth(admin)).send(listed);
    expect(whole.status).toBe(400);
    expect(whole.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule]).sort()).toEqual(
      ['agencyId', 'createdAt', 'description', 'id', 'url'].map((f) => [f, 'whitelist']),
    );
    expect((await t.http().delete(`/api/webhooks/${hook.id}`).set(auth(admin))).status).toBe(204);
  });

  it('keeps the rules a webhook creation has always named', async () => {
    const post = (body: Record<string, unknown>) => t.http().post('/api/webhooks').set(auth(admin)).send(body);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ agencyId: w.sub, url: 'ftp://127.0.0.1/x', description: 'd' }, 'url', 'isUrl'],
      [{ agencyId: w.sub, url: 'not a url', description: 'd' }, 'url', 'isUrl'],
      [{ agencyId: w.sub, url: `https://example.gov.tw/${'x'.repeat(2000)}`, description: 'd' }, 'url', 'isLength'],
      [{ agencyId: w.sub, url: 'https://93.184.215.14/', description: '   ' }, 'description', 'notBlank'],
      [{ agencyId: w.sub, url: 'https://93.184.215.14/', description: 'x'.repeat(501) }, 'description', 'isLength'],
      [{ agencyId: 'nope', url: 'https://93.184.215.14/', description: 'd' }, 'agencyId', 'isUuid'],
      [{ url: 'https://93.184.215.14/', description: 'd' }, 'agencyId', 'isUuid'],
      [{ agencyId: w.sub, url: 'https://93.184.215.14/', description: 'd', secret: 'mine' }, 'secret', 'whitelist'],
    ];
    for (const [body, field, rule] of cases) {
      const res = await post(body);
      expect([field, rule, res.status]).toEqual([field, rule, 400]);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM webhooks')).rows[0].n).toBe(0);
  });

  it('answers the compliance report, the chain verification, health and the dashboard ticket in their described shapes', async () => {
    const ciso = w.tokens.ciso;
    const report = ok(await t.http().get('/api/reports/compliance').query({ year: '2026' }).set(auth(ciso)));
    expect(report).toMatchObject({ agency: { id: w.sub }, year: 2026, continuity: { perPlan: [] } });
    const auditor = await login(t, 'auditor@sup.gov.tw');
    expect(ok(await t.http().get('/api/audit/verify').set(auth(auditor)))).toMatchObject({ ok: true, headSeq: expect.stringMatching(/^\d+$/) });
    expect(ok(await t.http().get('/health'))).toEqual({ status: 'ok' });
    expect(ok(await t.http().get('/health/ready')).status).toBe('ok');
    const metrics = await t.http().get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    // The ticket is for the admins of a top-level agency: sub's admin is refused (a problem), as documented.
    const refused = await t.http().post('/api/admin/queues/ticket').set(auth(admin));
    expect(refused.status).toBe(403);
  });
});
