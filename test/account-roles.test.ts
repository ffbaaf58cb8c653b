import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { CHAIN_LOCK_KEY } from '../apps/api/src/audit/audit-chain.js';
import { incidentBody } from './support/incident-fixture.js';
import { deliverOutbox, mailsTo, recipientsOf } from './support/outbox-delivery.js';
import { putPolicy } from './support/policy.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, PASSWORD, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

/*
 * Who may hold which roles, and who reads what of an account: nobody changes their own roles; a
 * privileged grant is audited and mailed (through the outbox and a real SMTP server) to the
 * agency's other admins; the auditor holds no role that writes; the full account records are for
 * admins and auditors, a directory for everyone else; vendor accounts last at most 90 days.
 */

const DAY = 86_400_000;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const DIRECTORY_KEYS = ['agencyId', 'email', 'id', 'name', 'unitIds'];

describe('account roles and reading accounts', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-account-roles-${process.pid}-${randomUUID().slice(0, 8)}}`;
  let A: string;
  let B: string;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const roleRows = async (userId: string) =>
    (await t.db.query('SELECT role FROM role_memberships WHERE user_id = $1 ORDER BY role', [userId])).rows.map((r) => r.role as string);
  const auditOf = async (action: string, targetId: string) =>
    (await t.db.query('SELECT outcome, actor_id, details FROM audit_events WHERE action = $1 AND target_id = $2 ORDER BY seq', [action, targetId])).rows;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    A = await seedAgency(t.db, { code: 'AGA', level: 'A' });
    B = await seedAgency(t.db, { code: 'AGB', parentId: A });
    const people: Array<[string, string, Parameters<typeof seedUser>[1]['roles'], Date?]> = [
      ['admin', A, ['admin', 'reporter']],
      ['admin2', A, ['admin', 'reporter']],
      ['staff', A, ['reporter']],
      ['responder', A, ['responder', 'reporter']],
      ['auditor', A, ['auditor']],
      ['vendor', A, ['vendor', 'responder'], new Date(t.clock.now().getTime() + 30 * DAY)],
      ['adminB', B, ['admin', 'reporter']],
      ['staffB', B, ['reporter']],
    ];
    for (const [name, agencyId, roles, expiresAt] of people) {
      ids[name] = await seedUser(t, { agencyId, email: `${name.toLowerCase()}@${agencyId === A ? 'a' : 'b'}.gov.tw`, roles, expiresAt });
      tokens[name] = await login(t, `${name.toLowerCase()}@${agencyId === A ? 'a' : 'b'}.gov.tw`);
    }
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'admin2@a.gov.tw'`);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, PUBLIC_URL: 'https://ir.a.gov.tw' });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  // ------------------------------------------------------------------ item 12
  describe('nobody changes their own roles; privileged grants are audited and announced', () => {
    it.each([
      ['CISO', ['admin', 'ciso']],
      ['auditor', ['admin', 'auditor']],
      ['fewer roles', ['reporter']],
    ])('refuses an admin giving itself %s: 403 naming the rule, audited once, roles unchanged', async (_label, roles) => {
      const before = await roleRows(ids.admin!);
      const refusedBefore = (await auditOf('user.update', ids.admin!)).length;
      const res = await t.http().patch(`/api/users/${ids.admin}`).set(auth(tokens.admin!)).send({ roles });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403, reason: 'noSelfRoleChange' });
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'roles', rule: 'noSelfRoleChange' })]);
      expect(await roleRows(ids.admin!)).toEqual(before);
      const refused = (await auditOf('user.update', ids.admin!)).slice(refusedBefore);
      expect(refused).toEqual([
        expect.objectContaining({ outcome: 'refused', actor_id: ids.admin, details: expect.objectContaining({ rule: 'noSelfRoleChange' }) }),
      ]);
      // The service audited it: the problem filter did not write a second refusal.
      const filtered = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND actor_id = $1`, [ids.admin]);
      expect(filtered.rows[0].n).toBe(0);
    });

    it('lets an admin send its own unchanged roles back with another change', async () => {
      const res = await t
        .http()
        .patch(`/api/users/${ids.admin}`)
        .set(auth(tokens.admin!))
        .send({ roles: ['admin'], name: 'Admin A' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Admin A', roles: ['admin', 'reporter'] });
    });

    it('audits a CISO grant naming the role and mails the other admins only, once', async () => {
      const before = sink.messages.length;
      const res = await t
        .http()
        .patch(`/api/users/${ids.staff}`)
        .set(auth(tokens.admin!))
        .send({ roles: ['ciso'] });
      expect(res.status).toBe(200);
      expect(res.body.roles).toEqual(['ciso', 'reporter']);
      expect(await auditOf('user.role.grant', ids.staff!)).toEqual([
        expect.objectContaining({ outcome: 'success', actor_id: ids.admin, details: expect.objectContaining({ roles: ['ciso'], email: 'staff@a.gov.tw' }) }),
      ]);
      await deliverOutbox(t, worker);
      const mails = sink.messages.slice(before);
      expect(mails.flatMap(recipientsOf)).toEqual(['admin2@a.gov.tw']);
      const mail = mails[0]!;
      expect(mail.subject).toBe('[TLP:AMBER] [ACCOUNT] Privileged role granted to staff@a.gov.tw');
      expect(mail.text).toContain('Roles granted: CISO (ciso)');
      expect(mail.text).toContain('Granted by: admin@a.gov.tw');
      expect(mail.text).toContain(`https://ir.a.gov.tw/users/${ids.staff}`);
      // Sending the same roles again grants nothing: no second audit entry, no second e-mail.
      expect(
        (
          await t
            .http()
            .patch(`/api/users/${ids.staff}`)
            .set(auth(tokens.admin!))
            .send({ roles: ['ciso', 'reporter'] })
        ).status,
      ).toBe(200);
      await deliverOutbox(t, worker);
      expect(await auditOf('user.role.grant', ids.staff!)).toHaveLength(1);
      expect(mailsTo(sink, 'admin2@a.gov.tw')).toHaveLength(1);
      // Not a privileged role: nothing announced.
      expect(
        (
          await t
            .http()
            .patch(`/api/users/${ids.staff}`)
            .set(auth(tokens.admin!))
            .send({ roles: ['ciso', 'responder'] })
        ).status,
      ).toBe(200);
      await deliverOutbox(t, worker);
      expect(mailsTo(sink, 'admin2@a.gov.tw')).toHaveLength(1);
    });

    it('audits and announces a CISO grant once when two admins grant it at the same moment', async () => {
      const mailsBefore = sink.messages.length;
      const id = await seedUser(t, { agencyId: A, email: 'twice@a.gov.tw', roles: ['reporter'] });
      const grant = (token: string) =>
        t
          .http()
          .patch(`/api/users/${id}`)
          .set(auth(token))
          .send({ roles: ['ciso'] });
      // Hold the audit chain's lock, which a grant takes to audit itself: both PATCHes are in flight
      // at once, each past its read of the roles unless it reads them under the account's lock.
      const holder = await t.db.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [CHAIN_LOCK_KEY]);
      let pending: Promise<Array<{ status: number }>>;
      try {
        pending = Promise.all([grant(tokens.admin!), grant(tokens.admin2!)]);
        await waitFor('both changes waiting on a lock', async () => {
          const r = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          return r.rows[0].n === 2;
        });
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [CHAIN_LOCK_KEY]);
        holder.release();
      }
      expect((await pending).map((r) => r.status)).toEqual([200, 200]);
      expect(await roleRows(id)).toEqual(['ciso', 'reporter']);
      expect(await auditOf('user.role.grant', id)).toEqual([
        expect.objectContaining({ outcome: 'success', details: expect.objectContaining({ roles: ['ciso'] }) }),
      ]);
      const announced = await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND template = 'account.privileged_role_granted'`, [
        id,
      ]);
      expect(announced.rows[0].n).toBe(1);
      await deliverOutbox(t, worker);
      expect(sink.messages.slice(mailsBefore).filter((m) => (m.subject ?? '').includes('twice@a.gov.tw'))).toHaveLength(1);
    });

    it('announces an account created as admin, in the reader’s language, to the admins but not the new one', async () => {
      const before = sink.messages.length;
      const res = await t
        .http()
        .post('/api/users')
        .set(auth(tokens.admin2!))
        .send({ email: 'newadmin@a.gov.tw', name: 'New Admin', agencyId: A, roles: ['admin'], password: 'Initial-Secret-2026' });
      expect(res.status).toBe(201);
      expect((await auditOf('user.role.grant', res.body.id))[0].details.roles).toEqual(['admin']);
      await deliverOutbox(t, worker);
      const mails = sink.messages.slice(before);
      expect(mails.flatMap(recipientsOf)).toEqual(['admin@a.gov.tw']);
      expect(mails[0]!.subject).toBe('[TLP:AMBER] 【帳號】帳號 newadmin@a.gov.tw 已獲授予特權角色');
      expect(mails[0]!.text).toContain('授予角色: 系統管理者 (admin)');
      expect(mails[0]!.text).toContain('授予者: admin2@a.gov.tw');
    });

    it('tells the superior agency’s admins when the agency’s only admin grants a privileged role', async () => {
      const before = sink.messages.length;
      const res = await t
        .http()
        .patch(`/api/users/${ids.staffB}`)
        .set(auth(tokens.adminB!))
        .send({ roles: ['ciso'] });
      expect(res.status).toBe(200);
      await deliverOutbox(t, worker);
      const to = sink.messages.slice(before).flatMap(recipientsOf);
      expect(to.sort()).toEqual(['admin2@a.gov.tw', 'admin@a.gov.tw', 'newadmin@a.gov.tw']);
    });
  });

  // ------------------------------------------------------------------ item 13
  describe('the auditor holds no role that writes', () => {
    it.each([['reporter'], ['responder'], ['ciso'], ['admin'], ['continuity_coordinator']])(
      'refuses an auditor account that is also %s (400 auditorSeparation, nothing written)',
      async (other) => {
        const before = await t.db.query('SELECT count(*)::int AS n FROM users');
        const res = await t
          .http()
          .post('/api/users')
          .set(auth(tokens.admin!))
          .send({ email: `aud-${other}@a.gov.tw`, name: 'Auditor', agencyId: A, roles: ['auditor', other] });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'roles', rule: 'auditorSeparation' })]);
        expect((await t.db.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(before.rows[0].n);
      },
    );

    it('refuses making a responder an auditor too, and leaves its roles', async () => {
      const res = await t
        .http()
        .patch(`/api/users/${ids.responder}`)
        .set(auth(tokens.admin!))
        .send({ roles: ['responder', 'auditor'] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'roles', rule: 'auditorSeparation' })]);
      expect(await roleRows(ids.responder!)).toEqual(['reporter', 'responder']);
    });

    it('creates an auditor without the reporter role, who then reads but cannot file an incident', async () => {
      const res = await t
        .http()
        .post('/api/users')
        .set(auth(tokens.admin!))
        .send({ email: 'new.auditor@a.gov.tw', name: 'Auditor', agencyId: A, roles: ['auditor'], password: 'Initial-Secret-2026' });
      expect(res.status).toBe(201);
      expect(res.body.roles).toEqual(['auditor']);
      const first = await login(t, 'new.auditor@a.gov.tw', 'Initial-Secret-2026');
      expect(
        (await t.http().post('/api/auth/password').set(auth(first)).send({ currentPassword: 'Initial-Secret-2026', newPassword: 'Audit-Only-2026!' })).status,
      ).toBe(200);
      const token = await login(t, 'new.auditor@a.gov.tw', 'Audit-Only-2026!');
      const filed = await t.http().post('/api/incidents').set(auth(token)).set('Idempotency-Key', randomUUID()).send(incidentBody(t));
      expect(filed.status).toBe(403);
      expect((await t.http().get('/api/audit/verify').set(auth(token))).status).toBe(200);
    });
  });

  // ------------------------------------------------------------------ item 14
  describe('the full account records are for admins and auditors; others read a directory', () => {
    it.each(['staff', 'responder'])('gives %s a directory: name, e-mail, agency and units only', async (who) => {
      const res = await t.http().get('/api/users').query({ limit: 200 }).set(auth(tokens[who]!));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeGreaterThan(3);
      for (const item of res.body.items) expect(Object.keys(item).sort()).toEqual(DIRECTORY_KEYS);
      expect(JSON.stringify(res.body)).not.toMatch(/roles|lockedUntil|lastLoginAt|passwordChangedAt|disabled|mustChangePassword/);
      const other = await t.http().get(`/api/users/${ids.admin}`).set(auth(tokens[who]!));
      expect(other.status).toBe(200);
      expect(Object.keys(other.body).sort()).toEqual(DIRECTORY_KEYS);
      // Its own record, in full.
      const own = await t.http().get(`/api/users/${ids[who]}`).set(auth(tokens[who]!));
      expect(own.body).toMatchObject({ id: ids[who], roles: expect.any(Array), passwordChangedAt: expect.any(String) });
    });

    it('refuses the directory to a vendor account (403 naming the rule, audited); it still reads its own record', async () => {
      const refusals = async () =>
        (
          await t.db.query(`SELECT details FROM audit_events WHERE action = 'http.refused' AND actor_id = $1 AND outcome = 'refused' ORDER BY seq`, [
            ids.vendor,
          ])
        ).rows;
      const before = (await refusals()).length;
      const listed = await t.http().get('/api/users').query({ limit: 200 }).set(auth(tokens.vendor!));
      const other = await t.http().get(`/api/users/${ids.admin}`).set(auth(tokens.vendor!));
      for (const res of [listed, other]) {
        expect(res.status).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ type: '/problems/forbidden', reason: 'vendorNoDirectory' });
        expect(res.body.errors).toEqual([expect.objectContaining({ rule: 'vendorNoDirectory' })]);
        expect(JSON.stringify(res.body)).not.toContain('admin@a.gov.tw');
      }
      expect((await refusals()).slice(before)).toEqual([
        expect.objectContaining({ details: expect.objectContaining({ status: 403, reason: 'vendorNoDirectory' }) }),
        expect.objectContaining({ details: expect.objectContaining({ status: 403, reason: 'vendorNoDirectory' }) }),
      ]);
      const me = await t.http().get('/api/me').set(auth(tokens.vendor!));
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: ids.vendor, email: 'vendor@a.gov.tw', roles: ['responder', 'vendor'] });
      const own = await t.http().get(`/api/users/${ids.vendor}`).set(auth(tokens.vendor!));
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ id: ids.vendor, roles: ['responder', 'vendor'], expiresAt: expect.any(String) });
    });

    it('refuses a role filter to the directory readers (403 naming the parameter)', async () => {
      const res = await t.http().get('/api/users').query({ role: 'admin' }).set(auth(tokens.responder!));
      expect(res.status).toBe(403);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'role', rule: 'accountReaders' })]);
    });

    it.each(['admin', 'auditor'])('gives %s the full records, filtered by role if asked', async (who) => {
      const res = await t.http().get('/api/users').query({ role: 'vendor' }).set(auth(tokens[who]!));
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          email: 'vendor@a.gov.tw',
          roles: ['responder', 'vendor'],
          lockedUntil: null,
          lastLoginAt: expect.any(String),
          expiresAt: expect.any(String),
        }),
      ]);
      const one = await t.http().get(`/api/users/${ids.staff}`).set(auth(tokens[who]!));
      expect(one.body).toMatchObject({ roles: expect.any(Array), passwordChangedAt: expect.any(String), disabled: false });
    });
  });

  // ------------------------------------------------------------------ item 16
  describe('vendor accounts last at most 90 days', () => {
    it.each([91, 365])('refuses a policy allowing vendor accounts of %i days (400 max, policy unchanged)', async (days) => {
      const stored = await t.db.query('SELECT document, version FROM agency_policies WHERE agency_id = $1', [A]);
      const res = await putPolicy(t, tokens.admin!, A, { ...DEFAULT_POLICY, vendorAccountMaxDays: days });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'vendorAccountMaxDays', rule: 'max' })]);
      expect((await t.db.query('SELECT document, version FROM agency_policies WHERE agency_id = $1', [A])).rows[0]).toEqual(stored.rows[0]);
    });

    it('refuses a vendor account beyond 90 days even under a policy stored with a longer limit', async () => {
      await t.db.query(`UPDATE agency_policies SET document = jsonb_set(document, '{vendorAccountMaxDays}', '365') WHERE agency_id = $1`, [B]);
      // Every reader sees the stored limit within the ceiling, the policy API included.
      const policy = await t.http().get(`/api/agencies/${B}/policy`).set(auth(tokens.adminB!));
      expect(policy.status).toBe(200);
      expect(policy.body.policy.vendorAccountMaxDays).toBe(90);
      const body = (days: number) => ({
        email: `eng${days}@contractor.com.tw`,
        name: 'Vendor engineer',
        agencyId: B,
        roles: ['vendor'],
        expiresAt: new Date(t.clock.now().getTime() + days * DAY).toISOString(),
        password: PASSWORD,
      });
      const long = await t.http().post('/api/users').set(auth(tokens.adminB!)).send(body(120));
      expect(long.status).toBe(400);
      expect(long.body.errors).toEqual([expect.objectContaining({ field: 'expiresAt', rule: 'vendorExpiry', message: expect.stringContaining('最長 90 天') })]);
      expect((await t.http().post('/api/users').set(auth(tokens.adminB!)).send(body(90))).status).toBe(201);
      // Lengthening a vendor account past the cap is refused too.
      const extended = await t
        .http()
        .patch(`/api/users/${ids.vendor}`)
        .set(auth(tokens.admin!))
        .send({ expiresAt: new Date(t.clock.now().getTime() + 91 * DAY).toISOString() });
      expect(extended.status).toBe(400);
      expect(extended.body.errors).toEqual([expect.objectContaining({ field: 'expiresAt', rule: 'vendorExpiry' })]);
    });
  });
});
