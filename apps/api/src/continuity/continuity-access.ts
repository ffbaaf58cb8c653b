import type { Role } from '../identity/roles.js';

/** Who edits plans and programmes, and runs the drill workflow's decisions (article 40). */
export const PLAN_EDITORS: readonly Role[] = ['continuity_coordinator', 'ciso'];

/** Who reads plans and drills: the people who carry out the procedures, and oversight. */
export const CONTINUITY_READERS: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager', 'ethics_officer', 'auditor', 'admin'];

/** Who may send drill events at all (the machine checks each event's own roles). */
export const DRILL_PARTICIPANTS: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager'];

/** Who files corrective actions for incident improvement reports by hand. */
export const CORRECTIVE_ACTION_FILERS: readonly Role[] = ['continuity_coordinator', 'ciso', 'on_call_manager'];
