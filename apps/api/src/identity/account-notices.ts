import type { EntityManager } from 'typeorm';
import { enqueueNotification } from '../notifications/outbox.js';
import type { Role } from './roles.js';

/**
 * Notices about an account, written to the outbox in the caller's transaction like every other
 * notification and mailed by the worker. They carry the account's e-mail as reference and no more
 * than needed: no address the sign-ins came from, no count. Labelled TLP:AMBER (for the people
 * named, not to be passed on); they go by e-mail only, never to the agency's webhooks.
 */
const CLASSIFICATION = { tlp: 'AMBER', dataLevel: 'general', isDrill: false } as const;

interface Account {
  id: string;
  agencyId: string;
  email: string;
}

/** Tells the holder their account was locked after repeated failed sign-ins, and until when (once per lock). */
export async function noticeAccountLocked(manager: EntityManager, account: Account, lockedUntil: Date, now: Date): Promise<void> {
  await enqueueNotification(manager, {
    agencyId: account.agencyId,
    aggregateType: 'account',
    aggregateId: account.id,
    template: 'account.locked',
    audience: [{ kind: 'user', userId: account.id }],
    payload: { reference: account.email, state: 'locked', dueAt: lockedUntil.toISOString(), ...CLASSIFICATION },
    now,
  });
}

/**
 * Tells the agency's other admins (not who granted it, not whom it was granted to) of a privileged
 * role grant; when there are none, the superior agency's admins.
 */
export async function noticePrivilegedGrant(
  manager: EntityManager,
  grant: { account: Account; roles: Role[]; grantedBy: { id: string; email: string }; now: Date },
): Promise<void> {
  await enqueueNotification(manager, {
    agencyId: grant.account.agencyId,
    aggregateType: 'account',
    aggregateId: grant.account.id,
    template: 'account.privileged_role_granted',
    // An agency whose only admin granted it: the superior agency's admins hear of it instead.
    audience: [{ kind: 'role', role: 'admin', except: [grant.grantedBy.id, grant.account.id], orSuperior: true }],
    payload: { reference: grant.account.email, state: 'privileged_role_granted', roles: grant.roles, grantedBy: grant.grantedBy.email, ...CLASSIFICATION },
    now: grant.now,
  });
}
