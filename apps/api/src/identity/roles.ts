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

export function isPrivileged(roles: readonly Role[]): boolean {
  return roles.some((r) => PRIVILEGED_ROLES.includes(r));
}

export function seesSubordinates(roles: readonly Role[]): boolean {
  return roles.some((r) => SUBORDINATE_VISIBILITY.includes(r));
}

export function hasAnyRole(roles: readonly Role[], wanted: readonly Role[]): boolean {
  return roles.some((r) => wanted.includes(r));
}
