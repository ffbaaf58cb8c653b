/**
 * Roles (DESIGN.md "Identity and access") and the least-privilege rules tied to them, as data.
 */
export const ROLES = ['reporter', 'responder', 'on_call_manager', 'ethics_officer', 'ciso', 'continuity_coordinator', 'auditor', 'admin', 'vendor'] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose passwords age faster (article 31: shorter for privileged accounts). */
export const PRIVILEGED_ROLES: readonly Role[] = ['admin', 'ciso', 'auditor', 'on_call_manager'];

/**
 * Roles that see the agency's subordinates too (article 10: the superior agency oversees and
 * reviews its subordinates). Everyone else sees only its own agency.
 */
export const SUBORDINATE_VISIBILITY: readonly Role[] = ['admin', 'auditor', 'ciso', 'on_call_manager'];

/** Roles that may manage agencies, units and accounts. */
export const ACCOUNT_ADMIN_ROLES: readonly Role[] = ['admin'];

/** Roles that may change an agency's policy. */
export const POLICY_EDITOR_ROLES: readonly Role[] = ['admin', 'ciso'];

/** Roles that read the audit log. */
export const AUDIT_READER_ROLES: readonly Role[] = ['auditor'];

/**
 * Roles that read the full account records (roles, lock state, last login, password age);
 * everyone else reads a directory of names, e-mails and units. Auditors read everything (DESIGN).
 */
export const ACCOUNT_READER_ROLES: readonly Role[] = ['admin', 'auditor'];

/** Roles whose grant is announced to the agency's other admins (and audited as a grant). */
export const ANNOUNCED_GRANT_ROLES: readonly Role[] = ['ciso', 'auditor', 'admin'];

/**
 * Separation of duties: the auditor reads and changes nothing, so an account that audits holds no
 * other role (every other role writes something, reporter included).
 */
export const AUDITOR_ROLE: Role = 'auditor';

/** The roles held with the auditor role, each breaking the separation; empty when it holds. */
export function breaksAuditorSeparation(roles: readonly Role[]): Role[] {
  return roles.includes(AUDITOR_ROLE) ? roles.filter((r) => r !== AUDITOR_ROLE) : [];
}

/**
 * The roles an account holds for the roles given to it: staff accounts always hold reporter
 * (everyone may file an incident); vendor and auditor accounts do not.
 */
export function heldRoles(roles: readonly Role[]): Role[] {
  const set = new Set(roles);
  if (!set.has('vendor') && !set.has(AUDITOR_ROLE)) set.add('reporter');
  return [...set].sort();
}

export function isPrivileged(roles: readonly Role[]): boolean {
  return roles.some((r) => PRIVILEGED_ROLES.includes(r));
}

export function seesSubordinates(roles: readonly Role[]): boolean {
  return roles.some((r) => SUBORDINATE_VISIBILITY.includes(r));
}

export function hasAnyRole(roles: readonly Role[], wanted: readonly Role[]): boolean {
  return roles.some((r) => wanted.includes(r));
}
