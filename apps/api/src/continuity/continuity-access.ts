import { isRestricted, type DataLevel, type Tlp } from '@app/workflows';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { hasAnyRole, type Role } from '../identity/roles.js';

/** Who edits plans and programmes, and runs the drill workflow's decisions (article 40). */
export const PLAN_EDITORS: readonly Role[] = ['continuity_coordinator', 'ciso'];

/** Who reads plans and drills: the people who carry out the procedures, and oversight. */
export const CONTINUITY_READERS: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager', 'ethics_officer', 'auditor', 'admin'];

/** Who may send drill events at all (the machine checks each event's own roles). */
export const DRILL_PARTICIPANTS: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager'];

/** Who files corrective actions for incident improvement reports by hand. */
export const CORRECTIVE_ACTION_FILERS: readonly Role[] = ['continuity_coordinator', 'ciso', 'on_call_manager'];

/**
 * Who reads the content of a restricted plan, drill report or corrective action (AMBER or
 * stricter, or sensitive/confidential data, article 42): the people who carry out the plan and
 * oversight. Anyone else who may list them (an admin) sees references, states and dates only.
 */
export const CONTINUITY_CLEARED: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager', 'ethics_officer', 'auditor'];

/** Whether the content must be withheld from this user. */
export function withheldFrom(user: AuthenticatedUser, classification: { tlp: string; dataLevel: string }): boolean {
  return isRestricted({ tlp: classification.tlp as Tlp, dataLevel: classification.dataLevel as DataLevel }) && !hasAnyRole(user.roles, CONTINUITY_CLEARED);
}
