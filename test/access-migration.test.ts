import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { AccessRules1764720000000 } from '../db/migrations/1764720000000-AccessRules.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * Data written before the access rules, brought under them by the migration: the reporter role
 * auditors used to get goes, a stored vendor limit above 90 days comes down to 90 as a new policy
 * version, each change is on the audit chain (which still verifies), and nothing else moves.
 */
describe('migration AccessRules: existing data under the access rules', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

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

    const runner = t.app.get(DataSource).createQueryRunner();
    try {
      await runner.startTransaction();
      await new AccessRules1764720000000().up(runner);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }

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
});
