import type { RoleName } from '../incident/incident.events.js';

/**
 * Corrective actions (from after-action reports and incident improvement reports) are tracked to
 * done and then verified by someone else (four eyes). This table is the whole lifecycle.
 */
export type CorrectiveActionStatus = 'open' | 'in_progress' | 'done' | 'verified' | 'cancelled';
export const CORRECTIVE_ACTION_STATUSES: readonly CorrectiveActionStatus[] = ['open', 'in_progress', 'done', 'verified', 'cancelled'];

/** Statuses in which an action still needs work or verification (and can be overdue). */
export const UNFINISHED_STATUSES: readonly CorrectiveActionStatus[] = ['open', 'in_progress', 'done'];

export const CORRECTIVE_ACTION_TRANSITIONS: Record<CorrectiveActionStatus, readonly CorrectiveActionStatus[]> = {
  open: ['in_progress', 'done', 'cancelled'],
  in_progress: ['done', 'cancelled'],
  // Verification either accepts the work or sends it back.
  done: ['verified', 'in_progress'],
  verified: [],
  cancelled: [],
};

/** Who manages corrective actions of the agency (assigns, re-dates, verifies, cancels). */
export const CORRECTIVE_ACTION_MANAGERS: readonly RoleName[] = ['continuity_coordinator', 'ciso'];

export interface CorrectiveActionRecord {
  status: CorrectiveActionStatus;
  ownerUserId: string | null;
  ownerUnitIds: string[];
  doneBy: string | null;
}

export interface ChangeActor {
  id: string;
  roles: readonly RoleName[];
  unitIds: readonly string[];
}

export type ChangeDecision = { ok: true } | { ok: false; status: 403 | 422; rule: string; message: string };

/** Decides whether `actor` may move the action to `next` (with a note where one is needed). */
export function decideStatusChange(record: CorrectiveActionRecord, next: CorrectiveActionStatus, actor: ChangeActor, note: string | undefined): ChangeDecision {
  const manager = actor.roles.some((r) => CORRECTIVE_ACTION_MANAGERS.includes(r));
  const owner = record.ownerUserId === actor.id || record.ownerUnitIds.some((u) => actor.unitIds.includes(u));
  if (!CORRECTIVE_ACTION_TRANSITIONS[record.status].includes(next)) {
    const allowed = CORRECTIVE_ACTION_TRANSITIONS[record.status];
    return {
      ok: false,
      status: 422,
      rule: 'statusTransition',
      message: allowed.length ? `a ${record.status} action can become ${allowed.join(', ')}, not ${next}` : `a ${record.status} action cannot change any more`,
    };
  }
  const hasNote = typeof note === 'string' && note.trim().length > 0;
  switch (next) {
    case 'in_progress':
      if (record.status === 'done') {
        if (!manager) return { ok: false, status: 403, rule: 'role', message: 'only a continuity coordinator or the CISO sends a done action back' };
        if (!hasNote) return { ok: false, status: 422, rule: 'noteRequired', message: 'say why the action is sent back (note)' };
        return { ok: true };
      }
      return owner || manager
        ? { ok: true }
        : { ok: false, status: 403, rule: 'role', message: 'only the owner or a continuity coordinator updates this action' };
    case 'done':
      return owner || manager
        ? { ok: true }
        : { ok: false, status: 403, rule: 'role', message: 'only the owner or a continuity coordinator marks this action done' };
    case 'verified':
      if (!manager) return { ok: false, status: 403, rule: 'role', message: 'only a continuity coordinator or the CISO verifies an action' };
      if (record.doneBy === actor.id)
        return { ok: false, status: 422, rule: 'fourEyes', message: 'an action is verified by someone other than who marked it done' };
      return { ok: true };
    case 'cancelled':
      if (!manager) return { ok: false, status: 403, rule: 'role', message: 'only a continuity coordinator or the CISO cancels an action' };
      if (!hasNote) return { ok: false, status: 422, rule: 'noteRequired', message: 'say why the action is cancelled (note)' };
      return { ok: true };
    default:
      return { ok: false, status: 422, rule: 'statusTransition', message: `cannot move to ${next}` };
  }
}
