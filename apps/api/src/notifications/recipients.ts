import { onCallAt } from '@app/notify';
import type { EntityManager } from 'typeorm';
import { loadSchedules } from '../oncall/oncall.service.js';

/** An audience entry as the incident machine describes it (see libs/workflows Audience). */
export type AudienceEntry =
  /**
   * The agency's holders of a role, but for the users named in `except` (e.g. who did it and whom
   * it is about); with `orSuperior`, the superior agency's holders when the agency has none left.
   */
  | { kind: 'role'; role: string; except?: string[]; orSuperior?: boolean }
  | { kind: 'unitType'; unitType: string }
  | { kind: 'superiorReviewers' }
  /** A role's holders in the superior agency (an alert to the receiving agency of a review request). */
  | { kind: 'superiorRole'; role: string }
  | { kind: 'escalationTarget'; target: string }
  | { kind: 'user'; userId: string }
  | { kind: 'unit'; unitId: string };

export interface Recipient {
  userId: string | null;
  address: string;
  locale: 'zh-TW' | 'en';
}

const ACTIVE = `u.disabled_at IS NULL AND (u.expires_at IS NULL OR u.expires_at > $2)`;

/**
 * Resolves an audience to people, by agency data (articles 9 and 11: units and roles, not
 * hard-coded people): roles of the agency, unit mailboxes or members, the superior agency's
 * reviewers (its CISO and on-call managers) or another of its roles, an escalation step's target. Disabled and expired accounts receive nothing; each
 * address appears once.
 */
export async function resolveRecipients(manager: EntityManager, agencyId: string, audience: AudienceEntry[], now: Date): Promise<Recipient[]> {
  const found = new Map<string, Recipient>();
  const add = (rows: Array<{ id: string | null; email: string; locale: 'zh-TW' | 'en' }>) => {
    for (const r of rows) if (!found.has(r.email.toLowerCase())) found.set(r.email.toLowerCase(), { userId: r.id, address: r.email, locale: r.locale });
  };
  const byRole = (agency: string, roles: string[]): Promise<Array<{ id: string; email: string; locale: 'zh-TW' | 'en' }>> =>
    manager.query(
      `SELECT DISTINCT u.id, u.email, u.locale FROM users u JOIN role_memberships r ON r.user_id = u.id
        WHERE u.agency_id = $1 AND r.role = ANY($3) AND ${ACTIVE} ORDER BY u.email`,
      [agency, now, roles],
    );
  const unitHeads = (agency: string, type: string) =>
    manager.query(
      `SELECT u.id, u.email, u.locale FROM units n JOIN users u ON u.id = n.head_user_id WHERE n.agency_id = $1 AND n.type = $3 AND ${ACTIVE} ORDER BY u.email`,
      [agency, now, type],
    );
  for (const entry of audience) {
    switch (entry.kind) {
      case 'role': {
        const except = new Set(entry.except ?? []);
        const holders = async (agency: string) => (await byRole(agency, [entry.role])).filter((r) => !except.has(r.id));
        let people = await holders(agencyId);
        if (!people.length && entry.orSuperior) {
          const parent: Array<{ parent_id: string | null }> = await manager.query('SELECT parent_id FROM agencies WHERE id = $1', [agencyId]);
          if (parent[0]?.parent_id) people = await holders(parent[0].parent_id);
        }
        add(people);
        break;
      }
      case 'unitType': {
        const units: Array<{ id: string; email: string | null }> = await manager.query('SELECT id, email FROM units WHERE agency_id = $1 AND type = $2', [
          agencyId,
          entry.unitType,
        ]);
        for (const unit of units) {
          if (unit.email) add([{ id: null, email: unit.email, locale: 'zh-TW' }]);
          else
            add(
              await manager.query(
                `SELECT u.id, u.email, u.locale FROM unit_memberships m JOIN users u ON u.id = m.user_id
                  WHERE m.unit_id = $1 AND ${ACTIVE}
                    -- a unit's fan-out reaches its staff; vendors hear only what names them or their role
                    AND NOT EXISTS (SELECT 1 FROM role_memberships v WHERE v.user_id = u.id AND v.role = 'vendor')
                  ORDER BY u.email`,
                [unit.id, now],
              ),
            );
        }
        break;
      }
      case 'superiorReviewers':
      case 'superiorRole': {
        const parent: Array<{ parent_id: string | null }> = await manager.query('SELECT parent_id FROM agencies WHERE id = $1', [agencyId]);
        const roles = entry.kind === 'superiorRole' ? [entry.role] : ['ciso', 'on_call_manager'];
        if (parent[0]?.parent_id) add(await byRole(parent[0].parent_id, roles));
        break;
      }
      case 'escalationTarget': {
        let people: Array<{ id: string | null; email: string; locale: 'zh-TW' | 'en' }>;
        if (entry.target === 'it_unit_head') people = await unitHeads(agencyId, 'it');
        else if (entry.target === 'deputy_head') people = await unitHeads(agencyId, 'leadership');
        else if (entry.target === 'on_call_manager') {
          // The person on call now in the agency's schedules; without a schedule, the role's holders.
          const onCall = (await loadSchedules(manager, agencyId))
            .map(({ schedule }) => onCallAt(schedule, now.toISOString())?.userId)
            .filter((id): id is string => !!id);
          people = onCall.length
            ? await manager.query(`SELECT u.id, u.email, u.locale FROM users u WHERE u.id = ANY($1) AND u.agency_id = $3 AND ${ACTIVE} ORDER BY u.email`, [
                onCall,
                now,
                agencyId,
              ])
            : [];
          // Nobody (able to be) on call: the on-call managers are paged instead.
          if (!people.length) people = await byRole(agencyId, ['on_call_manager']);
        } else people = await byRole(agencyId, [entry.target]);
        // An escalation step never pages nobody: without a head on record it goes to the CISO.
        add(people.length ? people : await byRole(agencyId, ['ciso']));
        break;
      }
      case 'unit': {
        // One unit (e.g. the owner of a corrective action): its mailbox, else its members.
        const units: Array<{ email: string | null }> = await manager.query('SELECT email FROM units WHERE id = $1 AND agency_id = $2', [
          entry.unitId,
          agencyId,
        ]);
        if (units[0]?.email) add([{ id: null, email: units[0].email, locale: 'zh-TW' }]);
        else if (units[0])
          add(
            await manager.query(
              `SELECT u.id, u.email, u.locale FROM unit_memberships m JOIN users u ON u.id = m.user_id WHERE m.unit_id = $1 AND ${ACTIVE} ORDER BY u.email`,
              [entry.unitId, now],
            ),
          );
        break;
      }
      case 'user':
        add(await manager.query(`SELECT u.id, u.email, u.locale FROM users u WHERE u.id = $1 AND ${ACTIVE}`, [entry.userId, now]));
        break;
    }
  }
  return [...found.values()];
}
