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

/** Why a change is refused, in both languages the product speaks. */
export interface RefusalText {
  'zh-TW': string;
  en: string;
}

export type ChangeDecision = { ok: true } | { ok: false; status: 403 | 422; rule: string; message: RefusalText };

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
      message: allowed.length
        ? {
            'zh-TW': `${record.status} 狀態的措施只能改為 ${allowed.join('、')}，不能改為 ${next}`,
            en: `a ${record.status} action can become ${allowed.join(', ')}, not ${next}`,
          }
        : { 'zh-TW': `${record.status} 狀態的措施已不能再變更`, en: `a ${record.status} action cannot change any more` },
    };
  }
  const hasNote = typeof note === 'string' && note.trim().length > 0;
  switch (next) {
    case 'in_progress':
      if (record.status === 'done') {
        if (!manager)
          return {
            ok: false,
            status: 403,
            rule: 'role',
            message: { 'zh-TW': '僅營運持續協調人或資安長可退回已完成的措施', en: 'only a continuity coordinator or the CISO sends a done action back' },
          };
        if (!hasNote)
          return {
            ok: false,
            status: 422,
            rule: 'noteRequired',
            message: { 'zh-TW': '請說明退回此措施的原因（note）', en: 'say why the action is sent back (note)' },
          };
        return { ok: true };
      }
      return owner || manager
        ? { ok: true }
        : {
            ok: false,
            status: 403,
            rule: 'role',
            message: { 'zh-TW': '僅負責人或營運持續協調人可更新此措施', en: 'only the owner or a continuity coordinator updates this action' },
          };
    case 'done':
      return owner || manager
        ? { ok: true }
        : {
            ok: false,
            status: 403,
            rule: 'role',
            message: { 'zh-TW': '僅負責人或營運持續協調人可將此措施標為完成', en: 'only the owner or a continuity coordinator marks this action done' },
          };
    case 'verified':
      if (!manager)
        return {
          ok: false,
          status: 403,
          rule: 'role',
          message: { 'zh-TW': '僅營運持續協調人或資安長可確認措施', en: 'only a continuity coordinator or the CISO verifies an action' },
        };
      if (record.doneBy === actor.id)
        return {
          ok: false,
          status: 422,
          rule: 'fourEyes',
          message: { 'zh-TW': '措施須由標記完成者以外的人確認', en: 'an action is verified by someone other than who marked it done' },
        };
      return { ok: true };
    case 'cancelled':
      if (!manager)
        return {
          ok: false,
          status: 403,
          rule: 'role',
          message: { 'zh-TW': '僅營運持續協調人或資安長可取消措施', en: 'only a continuity coordinator or the CISO cancels an action' },
        };
      if (!hasNote)
        return {
          ok: false,
          status: 422,
          rule: 'noteRequired',
          message: { 'zh-TW': '請說明取消此措施的原因（note）', en: 'say why the action is cancelled (note)' },
        };
      return { ok: true };
    default:
      return { ok: false, status: 422, rule: 'statusTransition', message: { 'zh-TW': `不能改為 ${next}`, en: `cannot move to ${next}` } };
  }
}
