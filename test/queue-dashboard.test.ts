import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { Worker, type Queue } from 'bullmq';
import { DEADLINE_QUEUE } from '../apps/api/src/incidents/deadline-scheduler.js';
import { NOTIFY_QUEUE } from '../apps/api/src/notifications/notification.jobs.js';
import { DASHBOARD_COOKIE, TICKET_TTL_MS } from '../apps/api/src/operations/queue-dashboard.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The `name=value` part of the dashboard's Set-Cookie header, to send back as Cookie. */
function dashboardCookie(res: { headers: Record<string, unknown> }): string {
  const setCookie = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const cookie = setCookie.find((c) => c.startsWith(`${DASHBOARD_COOKIE}=`));
  if (!cookie) throw new Error(`no dashboard cookie in ${JSON.stringify(setCookie)}`);
  return cookie.split(';')[0]!;
}

describe('queue dashboard (/admin/queues): admins only, by a single-use ticket traded for a cookie', () => {
  let t: TestApp;
  let agencyId: string;
  let adminToken: string;
  let adminId: string;
  let reporterToken: string;
  const prefix = `{dashboard-${process.pid}-${Date.now()}}`;

  beforeAll(async () => {
    t = await createTestApp({ QUEUE_PREFIX: prefix, PUBLIC_URL: 'http://ir.example.gov.tw' });
    agencyId = await seedAgency(t.db, { code: 'OPS' });
    adminId = await seedUser(t, { agencyId, email: 'admin@ops.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId, email: 'reporter@ops.gov.tw', roles: ['reporter'] });
    adminToken = await login(t, 'admin@ops.gov.tw');
    reporterToken = await login(t, 'reporter@ops.gov.tw');
  });
  afterAll(() => t.close());

  /** A ticket for the token's session: the login path and query of the returned URL. */
  async function ticketFor(token: string): Promise<{ path: string; expiresAt: string }> {
    const res = await t.http().post('/api/admin/queues/ticket').set(auth(token));
    expect(res.status).toBe(201);
    const url = new URL(res.body.url as string);
    return { path: `${url.pathname}${url.search}`, expiresAt: res.body.expiresAt as string };
  }

  async function cookieFor(token: string): Promise<string> {
    const { path } = await ticketFor(token);
    const res = await t.http().get(path);
    expect(res.status).toBe(303);
    return dashboardCookie(res);
  }

  const queuesWith = (cookie: string) => t.http().get('/admin/queues/api/queues').set('Cookie', cookie);

  it('answers 401 with a problem, and audits it, to a request without the cookie', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/queue/notifications']) {
      const res = await t.http().get(path).set('Accept-Language', 'en');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: '/problems/unauthenticated',
        title: 'Authentication required',
        status: 401,
        reason: 'missing-cookie',
        instance: path,
      });
    }
    const zh = await t.http().get('/admin/queues/api/queues');
    expect(zh.body.title).toBe('尚未登入或登入已失效');
    const forged = await queuesWith(`${DASHBOARD_COOKIE}=${'A'.repeat(43)}`);
    expect(forged.status).toBe(401);
    expect(forged.body.reason).toBe('unknown-cookie');
    const audited = await t.db.query(
      `SELECT target_id, details->>'reason' AS reason FROM audit_events WHERE action = 'http.refused' AND outcome = 'refused' AND target_id LIKE '% /admin/queues%' ORDER BY seq`,
    );
    expect(audited.rows).toEqual(
      expect.arrayContaining([
        { target_id: 'GET /admin/queues/api/queues', reason: 'missing-cookie' },
        { target_id: 'GET /admin/queues/api/queues', reason: 'unknown-cookie' },
      ]),
    );
  });

  it('gives no ticket to a non-admin (403, audited) nor without a bearer token (401)', async () => {
    const res = await t.http().post('/api/admin/queues/ticket').set(auth(reporterToken));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403, requiredRoles: ['admin'] });
    const audited = await t.db.query(
      `SELECT a.details->>'status' AS status FROM audit_events a JOIN users u ON u.id = a.actor_id
        WHERE a.action = 'http.refused' AND u.email = 'reporter@ops.gov.tw' AND a.target_id = 'POST /api/admin/queues/ticket'`,
    );
    expect(audited.rows).toEqual([{ status: '403' }]);
    expect((await t.http().post('/api/admin/queues/ticket')).status).toBe(401);
  });

  it('gives no ticket to the admin of a subordinate agency: the queues serve every agency', async () => {
    const sub = await seedAgency(t.db, { code: 'OPSSUB', parentId: agencyId });
    await seedUser(t, { agencyId: sub, email: 'admin@opssub.gov.tw', roles: ['admin'] });
    const res = await t
      .http()
      .post('/api/admin/queues/ticket')
      .set(auth(await login(t, 'admin@opssub.gov.tw')));
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/最上層機關/);
  });

  it("trades an admin's ticket for a cookie that opens the dashboard and lists the queues; both steps audited", async () => {
    const issued = await t.http().post('/api/admin/queues/ticket').set(auth(adminToken));
    expect(issued.status).toBe(201);
    expect(issued.body.expiresAt).toBe(new Date(t.clock.now().getTime() + TICKET_TTL_MS).toISOString());
    expect(issued.body.url).toMatch(/^http:\/\/ir\.example\.gov\.tw\/admin\/queues\/login\?ticket=[A-Za-z0-9_-]{43}$/);

    const url = new URL(issued.body.url as string);
    const exchanged = await t.http().get(`${url.pathname}${url.search}`);
    expect(exchanged.status).toBe(303);
    expect(exchanged.headers.location).toBe('/admin/queues');
    expect(exchanged.headers['cache-control']).toBe('no-store');
    const setCookie = ([] as string[]).concat(exchanged.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${DASHBOARD_COOKIE}=`))!;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\/admin\/queues(;|$)/);
    expect(setCookie).toMatch(/; Max-Age=43200(;|$)/); // what is left of the 12-hour API session
    expect(setCookie).not.toMatch(/Secure/); // PUBLIC_URL is http here
    const cookie = dashboardCookie(exchanged);

    const queues = await queuesWith(cookie);
    expect(queues.status).toBe(200);
    expect(queues.headers['content-type']).toMatch(/^application\/json/);
    const listed = (queues.body.queues as Array<{ name: string; readOnlyMode: boolean; allowRetries: boolean; allowCompletedRetries: boolean }>).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(listed.map((q) => q.name)).toEqual(['deadlines', 'maintenance', 'notifications']);
    for (const q of listed) expect(q).toMatchObject({ allowRetries: true, allowCompletedRetries: false });

    const page = await t.http().get('/admin/queues').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('/admin/queues');

    const audited = await t.db.query(
      `SELECT action, outcome, target_id FROM audit_events WHERE action IN ('queues.dashboard.ticket', 'queues.dashboard.login') AND actor_id = $1 ORDER BY seq`,
      [adminId],
    );
    expect(audited.rows.slice(-2)).toEqual([
      { action: 'queues.dashboard.ticket', outcome: 'success', target_id: expect.any(String) },
      { action: 'queues.dashboard.login', outcome: 'success', target_id: audited.rows.at(-2)?.target_id },
    ]);
  });

  it('refuses a ticket used a second time, and audits the refusal', async () => {
    const { path } = await ticketFor(adminToken);
    expect((await t.http().get(path)).status).toBe(303);
    const again = await t.http().get(path);
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ type: '/problems/unauthenticated', reason: 'unknown-or-used-ticket' });
    expect(again.headers['set-cookie']).toBeUndefined();
    const garbage = await t.http().get('/admin/queues/login?ticket=not-a-ticket');
    expect(garbage.status).toBe(401);
    const refused = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'queues.dashboard.login' AND outcome = 'refused' AND details->>'reason' = 'unknown-or-used-ticket'`,
    );
    expect(refused.rows[0].n).toBe(2);
  });

  it('accepts a ticket for 60 s by the clock, and refuses it after', async () => {
    const fresh = await ticketFor(adminToken);
    t.clock.advance(TICKET_TTL_MS - 1);
    expect((await t.http().get(fresh.path)).status).toBe(303);

    const stale = await ticketFor(adminToken);
    t.clock.advance(TICKET_TTL_MS);
    const res = await t.http().get(stale.path);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ type: '/problems/unauthenticated', reason: 'ticket-expired' });
    const refused = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'queues.dashboard.login' AND outcome = 'refused' AND details->>'reason' = 'ticket-expired' AND actor_id = $1`,
      [adminId],
    );
    expect(refused.rows[0].n).toBe(1);
  });

  it('is read-only but for retrying failed jobs; retries and refused changes are audited', async () => {
    const cookie = await cookieFor(adminToken);
    const deadlines = t.app.get<Queue>(getQueueToken(DEADLINE_QUEUE));
    const job = await deadlines.add('test.fail', { n: 1 }, { attempts: 1 });
    const worker = new Worker(
      DEADLINE_QUEUE,
      async () => {
        throw new Error('failed on purpose');
      },
      { connection: { url: t.config.redisUrl, maxRetriesPerRequest: null }, prefix },
    );
    try {
      await once(worker, 'failed');
    } finally {
      await worker.close();
    }
    expect(await deadlines.getJobState(job.id!)).toBe('failed');

    const pause = await t.http().put(`/admin/queues/api/queues/${NOTIFY_QUEUE}/pause`).set('Cookie', cookie);
    expect(pause.status).toBe(403);
    expect(await t.app.get<Queue>(getQueueToken(NOTIFY_QUEUE)).isPaused()).toBe(false);
    const clean = await t.http().put(`/admin/queues/api/queues/${DEADLINE_QUEUE}/clean/failed`).set('Cookie', cookie);
    expect(clean.status).toBe(403);
    const retryCompleted = await t.http().put(`/admin/queues/api/queues/${DEADLINE_QUEUE}/retry/completed`).set('Cookie', cookie);
    expect(retryCompleted.status).toBe(403);
    expect(await deadlines.getJobState(job.id!)).toBe('failed');

    const retry = await t.http().put(`/admin/queues/api/queues/${DEADLINE_QUEUE}/${job.id}/retry`).set('Cookie', cookie);
    expect(retry.status).toBe(204);
    expect(await deadlines.getJobState(job.id!)).toBe('waiting');
    await deadlines.remove(job.id!);

    const audited = await t.db.query(
      `SELECT action, outcome, details->>'route' AS route FROM audit_events WHERE action IN ('queues.dashboard.action', 'queues.dashboard.retry') AND actor_id = $1 ORDER BY seq`,
      [adminId],
    );
    expect(audited.rows).toEqual([
      { action: 'queues.dashboard.action', outcome: 'refused', route: '/api/queues/:queueName/pause' },
      { action: 'queues.dashboard.action', outcome: 'refused', route: '/api/queues/:queueName/clean/:queueStatus' },
      { action: 'queues.dashboard.action', outcome: 'refused', route: '/api/queues/:queueName/retry/:queueStatus' },
      { action: 'queues.dashboard.retry', outcome: 'success', route: '/api/queues/:queueName/:jobId/retry' },
    ]);
  });

  it('stops working the moment the admin logs out', async () => {
    const token = await login(t, 'admin@ops.gov.tw');
    const cookie = await cookieFor(token);
    expect((await queuesWith(cookie)).status).toBe(200);
    expect((await t.http().post('/api/auth/logout').set(auth(token))).status).toBe(204);
    const res = await queuesWith(cookie);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ type: '/problems/unauthenticated', reason: 'session-revoked' });
  });

  it('stops working once the API session expires', async () => {
    const token = await login(t, 'admin@ops.gov.tw');
    const cookie = await cookieFor(token);
    expect((await queuesWith(cookie)).status).toBe(200);
    t.clock.advance(t.config.sessionTtlMs);
    const res = await queuesWith(cookie);
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('session-expired');
  });

  it('stops working once the admin’s password is past the privileged maximum age, as the API does', async () => {
    const id = await seedUser(t, { agencyId, email: 'admin4@ops.gov.tw', roles: ['admin'] });
    const cookie = await cookieFor(await login(t, 'admin4@ops.gov.tw'));
    expect((await queuesWith(cookie)).status).toBe(200);
    await t.db.query(`UPDATE users SET password_changed_at = $2 WHERE id = $1`, [id, new Date(t.clock.now().getTime() - 90 * 86_400_000)]);
    const res = await queuesWith(cookie);
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('password-change-required');
  });

  it("stops working for an admin who is disabled or loses the admin role, and refuses a disabled admin's pending ticket", async () => {
    const secondId = await seedUser(t, { agencyId, email: 'admin2@ops.gov.tw', roles: ['admin', 'reporter'] });
    const secondToken = await login(t, 'admin2@ops.gov.tw');
    const cookie = await cookieFor(secondToken);
    const pending = await ticketFor(secondToken);
    expect((await queuesWith(cookie)).status).toBe(200);
    const admin = await login(t, 'admin@ops.gov.tw');
    const disabled = await t.http().patch(`/api/users/${secondId}`).set(auth(admin)).send({ disabled: true });
    expect(disabled.status).toBe(200);
    const res = await queuesWith(cookie);
    expect(res.status).toBe(401);
    // Disabling an account ends its sessions, and the account is checked too.
    expect(['session-revoked', 'account-disabled']).toContain(res.body.reason);
    expect((await t.http().get(pending.path)).status).toBe(401);

    const thirdId = await seedUser(t, { agencyId, email: 'admin3@ops.gov.tw', roles: ['admin', 'reporter'] });
    const thirdCookie = await cookieFor(await login(t, 'admin3@ops.gov.tw'));
    expect((await queuesWith(thirdCookie)).status).toBe(200);
    await t.db.query(`DELETE FROM role_memberships WHERE user_id = $1 AND role = 'admin'`, [thirdId]);
    const demoted = await queuesWith(thirdCookie);
    expect(demoted.status).toBe(401);
    expect(demoted.body.reason).toBe('not-admin');
  });
});

describe('queue dashboard cookie behind https', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ QUEUE_PREFIX: `{dashboard-https-${process.pid}}`, PUBLIC_URL: 'https://ir.example.gov.tw' });
    const agencyId = await seedAgency(t.db, { code: 'SEC' });
    await seedUser(t, { agencyId, email: 'admin@sec.gov.tw', roles: ['admin'] });
  });
  afterAll(() => t.close());

  it('is Secure when PUBLIC_URL is https', async () => {
    const token = await login(t, 'admin@sec.gov.tw');
    const issued = await t.http().post('/api/admin/queues/ticket').set(auth(token));
    expect(issued.body.url).toMatch(/^https:\/\/ir\.example\.gov\.tw\/admin\/queues\/login\?ticket=/);
    const url = new URL(issued.body.url as string);
    const res = await t.http().get(`${url.pathname}${url.search}`);
    expect(res.status).toBe(303);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${DASHBOARD_COOKIE}=`))!;
    expect(setCookie).toMatch(/; Secure(;|$)/);
  });
});
