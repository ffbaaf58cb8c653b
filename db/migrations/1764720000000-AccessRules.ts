import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendToChain } from '../../apps/api/src/audit/audit-chain.js';

/** The ceiling of vendorAccountMaxDays from this migration on (POLICY_CEILINGS, DEFAULT_POLICY). */
const VENDOR_ACCOUNT_MAX_DAYS = 90;

/**
 * Brings stored data under two access rules, each change written to the audit chain:
 * - separation of duties: an auditor reads and changes nothing, so the reporter role that used to
 *   be added to every staff account is taken from auditors (other roles held with auditor are an
 *   admin's decision: the API refuses any change to such an account until one is taken away);
 * - vendor accounts last at most 90 days: a stored policy allowing longer is lowered to 90, as a
 *   new version of the policy (a stored limit that is not a number is set to 90 too, one that is
 *   not a whole number compared as it is, so no stored value aborts the migration); and a vendor
 *   account expiring later than 90 days from now, or never, now expires 90 days from now.
 * `down` leaves both as they are (the audit chain records what was done and is append-only).
 */
export class AccessRules1764720000000 implements MigrationInterface {
  name = 'AccessRules1764720000000';

  async up(q: QueryRunner): Promise<void> {
    // The rows of any statement (TypeORM's plain query() answers UPDATE/DELETE with [rows, count]).
    const query = async (sql: string, params?: unknown[]) => ((await q.query(sql, params, true)).records ?? []) as Array<Record<string, unknown>>;
    const audit = (action: string, agencyId: string, targetType: string, targetId: string, details: Record<string, unknown>) =>
      appendToChain(query, {
        id: randomUUID(),
        occurredAt: new Date(),
        actorId: null,
        actorLabel: `migration ${this.name}`,
        agencyId,
        action,
        targetType,
        targetId,
        outcome: 'success',
        details,
        requestId: null,
      });

    const auditors = await query(
      `DELETE FROM role_memberships r USING users u
        WHERE r.user_id = u.id AND r.role = 'reporter'
          AND EXISTS (SELECT 1 FROM role_memberships a WHERE a.user_id = r.user_id AND a.role = 'auditor')
        RETURNING u.id, u.agency_id, u.email`,
    );
    for (const u of auditors) {
      await audit('user.role.revoke', u.agency_id as string, 'user', u.id as string, { email: u.email, roles: ['reporter'], rule: 'auditorSeparation' });
    }

    const policies = await query(
      `UPDATE agency_policies p SET document = jsonb_set(p.document, '{vendorAccountMaxDays}', to_jsonb($1::int)), version = p.version + 1, updated_at = now(), updated_by = NULL
        FROM agency_policies old
       WHERE old.agency_id = p.agency_id AND p.document ? 'vendorAccountMaxDays'
         AND CASE WHEN jsonb_typeof(p.document->'vendorAccountMaxDays') = 'number' THEN (p.document->>'vendorAccountMaxDays')::numeric > $1::int ELSE true END
       RETURNING p.agency_id, p.version, old.document->'vendorAccountMaxDays' AS previous`,
      [VENDOR_ACCOUNT_MAX_DAYS],
    );
    for (const p of policies) {
      await audit('agency.policy.replace', p.agency_id as string, 'agency', p.agency_id as string, {
        version: p.version,
        changes: { vendorAccountMaxDays: { from: p.previous, to: VENDOR_ACCOUNT_MAX_DAYS } },
        rule: 'max',
      });
    }

    const vendors = await query(
      `UPDATE users u SET expires_at = now() + make_interval(days => $1::int), updated_at = now()
         FROM users old
        WHERE old.id = u.id AND (u.expires_at IS NULL OR u.expires_at > now() + make_interval(days => $1::int))
          AND EXISTS (SELECT 1 FROM role_memberships r WHERE r.user_id = u.id AND r.role = 'vendor')
       RETURNING u.id, u.agency_id, u.email, old.expires_at AS previous, u.expires_at`,
      [VENDOR_ACCOUNT_MAX_DAYS],
    );
    for (const u of vendors) {
      await audit('user.update', u.agency_id as string, 'user', u.id as string, {
        email: u.email,
        changes: { expiresAt: { from: (u.previous as Date | null)?.toISOString() ?? null, to: (u.expires_at as Date).toISOString() } },
        rule: 'vendorExpiry',
      });
    }
  }

  async down(): Promise<void> {
    // Nothing to undo: the roles and policies taken away were against the rules.
  }
}
