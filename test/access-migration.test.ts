import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { AccessRules1764720000000 } from '../db/migrations/1764720000000-AccessRules.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * Data written before the access rules, brought under them by the migration: the reporter role
 * auditors used to get goes, a stored vendor limit above 90 days comes down to 90 as a new policy
 * version (a stored limit that is not a whole number does not abort it), vendor accounts expiring
 * later than 90 days from now (or never) expire then, each change is on the audit chain (which
 * still verifies), and nothing else moves.
 */
const DAY = 86_400_000;

describe('migration AccessRules: existing data under the access rules', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const migrate = async () => {
    const runner = t.app.get(DataSource).createQueryRunner();
    try {
      await runner.startTransaction();
      await new AccessRules1764720000000().up(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
  };

  it('takes reporter from auditors and lowers vendor limits above 90 days, auditing each change', async () => {
    const agencyId = await seedAgency(t.db, { code: 'LEGACY' });
    const keptId = await seedAgency(t.db, { code: 'KEPT' });
    await t.db.query(`UPDATE agency_policies SET document = $2 WHERE agency_id = $1`, [
      agencyId,
      JSON.stringify({ ...DEFAULT_POLICY, vendorAccountMaxDays: 365 }),
    ]);
    await t.db.query(`UPDATE agency_policies SET document = $2 WHERE agency_id = $1`, [
      keptId,
      JSON.stringify({ ...DEFAULT_POLICY, vendorAccountMaxDays: 30 }),
    ]);
    const auditorId = await seedUser(t, { agencyId, email: 'auditor@legacy.gov.tw', roles: ['auditor', 'reporter'] });
    const staffId = await seedUser(t, { agencyId, email: 'staff@legacy.gov.tw', roles: ['reporter', 'responder'] });

    await migrate();

    const roles = async (id: string) => (await t.db.query('SELECT role FROM role_memberships WHERE user_id = $1 ORDER BY role', [id])).rows.map((r) => r.role);
    expect(await roles(auditorId)).toEqual(['auditor']);
    expect(await roles(staffId)).toEqual(['reporter', 'responder']);
    const policies = await t.db.query(`SELECT agency_id, version, document->'vendorAccountMaxDays' AS days FROM agency_policies WHERE agency_id = ANY($1)`, [
      [agencyId, keptId],
    ]);
    expect(Object.fromEntries(policies.rows.map((r) => [r.agency_id, [r.version, r.days]]))).toEqual({ [agencyId]: [2, 90], [keptId]: [1, 30] });
    const audited = await t.db.query(`SELECT action, target_id, actor_label, details FROM audit_events WHERE actor_label LIKE 'migration %' ORDER BY seq`);
    expect(audited.rows).toEqual([
      expect.objectContaining({
        action: 'user.role.revoke',
        target_id: auditorId,
        details: expect.objectContaining({ roles: ['reporter'], rule: 'auditorSeparation' }),
      }),
      expect.objectContaining({
        action: 'agency.policy.replace',
        target_id: agencyId,
        details: expect.objectContaining({ version: 2, changes: { vendorAccountMaxDays: { from: 365, to: 90 } } }),
      }),
    ]);
    // The chain still verifies, read by the auditor the migration left an auditor.
    const verify = await t
      .http()
      .get('/api/audit/verify')
      .set('Authorization', `Bearer ${await login(t, 'auditor@legacy.gov.tw')}`);
    expect(verify.body).toMatchObject({ ok: true });
  });
  it('reads a stored vendor limit that is not a whole number without aborting, and brings vendor accounts within 90 days, audited', async () => {
    const limits: Record<string, unknown> = { FRACTION: 120.5, TEXT: '365', NULLED: null, SHORT: 45.5 };
    const agencies: Record<string, string> = {};
    for (const [code, days] of Object.entries(limits)) {
      agencies[code] = await seedAgency(t.db, { code });
      await t.db.query(`UPDATE agency_policies SET document = $2 WHERE agency_id = $1`, [
        agencies[code],
        JSON.stringify({ ...DEFAULT_POLICY, vendorAccountMaxDays: days }),
      ]);
    }
    const agencyId = agencies.SHORT!;
    const dbNow = async () => (await t.db.query('SELECT now() AS now')).rows[0].now as Date;
    const inDays = async (days: number) => new Date((await dbNow()).getTime() + days * DAY);
    const longEnd = await inDays(365);
    const longVendor = await seedUser(t, { agencyId, email: 'long@vendor.com.tw', roles: ['vendor'], expiresAt: longEnd });
    const openVendor = await seedUser(t, { agencyId, email: 'open@vendor.com.tw', roles: ['vendor', 'responder'] });
    const shortEnd = await inDays(30);
    const shortVendor = await seedUser(t, { agencyId, email: 'short@vendor.com.tw', roles: ['vendor'], expiresAt: shortEnd });
    const staffEnd = await inDays(365);
    const staff = await seedUser(t, { agencyId, email: 'staff@short.gov.tw', roles: ['reporter'], expiresAt: staffEnd });

    const started = await dbNow();
    await migrate();

    const days = await t.db.query(`SELECT agency_id, version, document->'vendorAccountMaxDays' AS days FROM agency_policies WHERE agency_id = ANY($1)`, [
      Object.values(agencies),
    ]);
    expect(Object.fromEntries(days.rows.map((r) => [r.agency_id, [r.version, r.days]]))).toEqual({
      [agencies.FRACTION!]: [2, 90],
      [agencies.TEXT!]: [2, 90],
      [agencies.NULLED!]: [2, 90],
      [agencies.SHORT!]: [1, 45.5],
    });
    const expiry = async (id: string) => (await t.db.query('SELECT expires_at FROM users WHERE id = $1', [id])).rows[0].expires_at as Date | null;
    for (const id of [longVendor, openVendor]) {
      const end = (await expiry(id))!.getTime();
      expect(end).toBeGreaterThanOrEqual(started.getTime() + 90 * DAY);
      expect(end).toBeLessThanOrEqual((await dbNow()).getTime() + 90 * DAY);
    }
    expect(await expiry(shortVendor)).toEqual(shortEnd);
    expect(await expiry(staff)).toEqual(staffEnd);

    const audited = await t.db.query(
      `SELECT action, target_id, details FROM audit_events WHERE actor_label LIKE 'migration %' AND target_id = ANY($1) ORDER BY action, target_id`,
      [[...Object.values(agencies), longVendor, openVendor, shortVendor, staff]],
    );
    expect(audited.rows.map((r) => [r.action, r.target_id, r.details.rule, r.details.changes]).sort()).toEqual(
      [
        ['agency.policy.replace', agencies.FRACTION, 'max', { vendorAccountMaxDays: { from: 120.5, to: 90 } }],
        ['agency.policy.replace', agencies.TEXT, 'max', { vendorAccountMaxDays: { from: '365', to: 90 } }],
        ['agency.policy.replace', agencies.NULLED, 'max', { vendorAccountMaxDays: { from: null, to: 90 } }],
        ['user.update', longVendor, 'vendorExpiry', { expiresAt: { from: longEnd.toISOString(), to: (await expiry(longVendor))!.toISOString() } }],
        ['user.update', openVendor, 'vendorExpiry', { expiresAt: { from: null, to: (await expiry(openVendor))!.toISOString() } }],
      ].sort(),
    );
  });
});
