import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import { DataSource, type QueryRunner } from 'typeorm';
import { PolicyService } from '../apps/api/src/agencies/policy.service.js';
import { PasswordHasher } from '../apps/api/src/identity/password-hasher.js';
import { deliverOutbox, mailsTo } from './support/outbox-delivery.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, PASSWORD, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';

/*
 * A login refusal tells nobody whether the account exists: an unknown e-mail, a wrong password and
 * a locked, disabled or expired account answer the same 401 (same body, same headers), each after
 * one argon2 verify. The lock is told to the account holder instead, by e-mail through the outbox
 * and a real SMTP server, once per lock, saying no more than needed.
 */

const MINUTE = 60_000;
/** Headers that differ between any two responses. */
const PER_RESPONSE = ['date', 'x-request-id'];

describe('login answers do not tell which accounts exist', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-login-answers-${process.pid}-${randomUUID().slice(0, 8)}}`;
  let agencyId: string;

  const attempt = (email: string, password: string) => t.http().post('/api/auth/login').send({ email, password });
  const lockOut = async (email: string) => {
    for (let i = 0; i < 5; i++) expect((await attempt(email, `Wrong-Password-${i}`)).status).toBe(401);
  };
  const comparable = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({
    status: res.status,
    body: res.body,
    headers: Object.fromEntries(
      Object.entries(res.headers)
        .filter(([k]) => !PER_RESPONSE.includes(k))
        // The policy's style nonce is new on every response (the rest of the policy is the same for all).
        .map(([k, v]) => [k, k === 'content-security-policy' ? v.replace(/'nonce-[^']+'/, "'nonce'") : v]),
    ),
  });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    agencyId = await seedAgency(t.db, { code: 'LOGIN' });
    await seedUser(t, { agencyId, email: 'admin@login.gov.tw', roles: ['admin', 'reporter'] });
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, PUBLIC_URL: 'https://ir.login.gov.tw' });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  it('answers unknown, wrong, locked, disabled and expired alike, each after one argon2 verify, and audits the reasons', async () => {
    await seedUser(t, { agencyId, email: 'wrong@login.gov.tw', roles: ['reporter'] });
    await seedUser(t, { agencyId, email: 'locked@login.gov.tw', roles: ['reporter'] });
    const disabledId = await seedUser(t, { agencyId, email: 'disabled@login.gov.tw', roles: ['reporter'] });
    await t.db.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [disabledId]);
    await seedUser(t, { agencyId, email: 'expired@login.gov.tw', roles: ['vendor'], expiresAt: new Date(t.clock.now().getTime() - MINUTE) });
    await lockOut('locked@login.gov.tw');

    const hasher = t.app.get(PasswordHasher);
    const verify = jest.spyOn(hasher, 'verify');
    const burn = jest.spyOn(hasher, 'burn');
    try {
      const answers = [];
      for (const [email, password] of [
        ['nobody@login.gov.tw', 'Not-The-Password-1'],
        ['wrong@login.gov.tw', 'Not-The-Password-1'],
        ['locked@login.gov.tw', PASSWORD],
        ['disabled@login.gov.tw', PASSWORD],
        ['expired@login.gov.tw', PASSWORD],
      ] as const) {
        const calls = verify.mock.calls.length + burn.mock.calls.length;
        answers.push(comparable(await attempt(email, password)));
        expect([email, verify.mock.calls.length + burn.mock.calls.length - calls]).toEqual([email, 1]);
      }
      expect(answers[0]).toMatchObject({ status: 401, body: { type: '/problems/invalid-credentials', status: 401 } });
      expect(answers[0]!.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answers[0]!.headers).not.toHaveProperty('retry-after');
      for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    } finally {
      verify.mockRestore();
      burn.mockRestore();
    }
    const audited = await t.db.query(
      `SELECT actor_label, details->>'reason' AS reason, details->>'passwordMatched' AS matched FROM audit_events
        WHERE action = 'auth.login' AND outcome = 'refused' ORDER BY seq DESC LIMIT 5`,
    );
    expect(audited.rows.reverse()).toEqual([
      { actor_label: 'nobody@login.gov.tw', reason: 'unknown-account', matched: null },
      { actor_label: 'wrong@login.gov.tw', reason: 'wrong-password', matched: null },
      { actor_label: 'locked@login.gov.tw', reason: 'locked', matched: 'true' },
      { actor_label: 'disabled@login.gov.tw', reason: 'disabled', matched: 'true' },
      { actor_label: 'expired@login.gov.tw', reason: 'expired', matched: 'true' },
    ]);
  });

  it('does the database work of a wrong password for an unknown account too (policy read, UPDATE), writing no account', async () => {
    await seedUser(t, { agencyId, email: 'timing@login.gov.tw', roles: ['reporter'] });
    const api = t.app.get(DataSource);
    const runner = api.createQueryRunner();
    const run = jest.spyOn(Object.getPrototypeOf(runner) as QueryRunner, 'query');
    await runner.release();
    const policyOf = jest.spyOn(t.app.get(PolicyService), 'policyOf');
    const usersBefore = (await t.db.query('SELECT id, failed_login_count, locked_until, updated_at FROM users ORDER BY id')).rows;
    // The statements of the API's own connections on accounts and policies (not the worker's, not the audit chain's).
    const statements = async (email: string) => {
      run.mockClear();
      policyOf.mockClear();
      expect((await attempt(email, 'Not-The-Password-1')).status).toBe(401);
      const sql = run.mock.calls
        .filter((_call, i) => (run.mock.contexts[i] as QueryRunner).connection === api)
        .map(([text]) => String(text).replace(/\s+/g, ' ').trim())
        .filter((text) => /\b(users|agency_policies)\b/.test(text) && !/audit_events/.test(text))
        .map((text) => text.split(' ').slice(0, 2).join(' '));
      return { sql, policyReads: policyOf.mock.calls.length };
    };
    try {
      const wrong = await statements('timing@login.gov.tw');
      const unknown = await statements('nobody.timing@login.gov.tw');
      expect(wrong).toEqual({ sql: ['SELECT u.id,', 'SELECT document,', 'UPDATE users'], policyReads: 1 });
      expect(unknown).toEqual(wrong);
    } finally {
      run.mockRestore();
      policyOf.mockRestore();
    }
    // Only the real account's failure count moved; the unknown one wrote no account.
    const usersAfter = (await t.db.query('SELECT id, failed_login_count, locked_until, updated_at FROM users ORDER BY id')).rows;
    const changed = usersAfter.filter((row, i) => JSON.stringify(row) !== JSON.stringify(usersBefore[i]));
    expect(changed.map((r) => r.failed_login_count)).toEqual([1]);
    expect(usersAfter.length).toBe(usersBefore.length);
  });

  it('mails the holder of a locked account once per lock: until when, and to ask an admin, nothing more', async () => {
    await seedUser(t, { agencyId, email: 'holder@login.gov.tw', roles: ['reporter'] });
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'holder@login.gov.tw'`);
    await lockOut('holder@login.gov.tw');
    const lockedUntil = new Date(t.clock.now().getTime() + 15 * MINUTE);
    // Further attempts while locked, wrong or right, lock nothing more and mail nothing more.
    for (const password of ['Wrong-Again-1', PASSWORD]) expect((await attempt('holder@login.gov.tw', password)).status).toBe(401);
    await deliverOutbox(t, worker);
    const mails = mailsTo(sink, 'holder@login.gov.tw');
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toBe('[TLP:AMBER] Your account holder@login.gov.tw is temporarily locked');
    expect(mail.text).toContain('locked after repeated failed sign-ins');
    expect(mail.text).toContain('contact your agency’s administrator');
    const local = new Date(lockedUntil.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(mail.text).toContain(`Locked until: ${local} (Asia/Taipei, UTC+08:00)`);
    expect(mail.text).toContain('https://ir.login.gov.tw');
    for (const leak of ['127.0.0.1', '::1', 'Wrong-', ' 5 ']) expect(`${mail.subject}\n${mail.text}\n${String(mail.html)}`).not.toContain(leak);
    // Nobody else hears of it, and no webhook.
    expect(mailsTo(sink, 'admin@login.gov.tw')).toHaveLength(0);

    t.clock.advance(15 * MINUTE);
    expect((await attempt('holder@login.gov.tw', PASSWORD)).status).toBe(200);
    // A new lock is a new notice.
    await lockOut('holder@login.gov.tw');
    await deliverOutbox(t, worker);
    expect(mailsTo(sink, 'holder@login.gov.tw')).toHaveLength(2);
    const lockouts = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events e JOIN users u ON u.id::text = e.target_id WHERE e.action = 'auth.lockout' AND u.email = 'holder@login.gov.tw'`,
    );
    expect(lockouts.rows[0].n).toBe(2);
  });

  it('still lets the right password in once the lock is over', async () => {
    await seedUser(t, { agencyId, email: 'later@login.gov.tw', roles: ['reporter'] });
    await lockOut('later@login.gov.tw');
    t.clock.advance(15 * MINUTE);
    await expect(login(t, 'later@login.gov.tw')).resolves.toEqual(expect.any(String));
  });
});
