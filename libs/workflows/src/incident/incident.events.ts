import type { Category, Impact, Level } from './levels.js';
import type { DeadlineKind } from './clocks.js';

/** Roles, as the identity side names them (kept as plain strings here: no dependency on the app). */
export type RoleName = 'reporter' | 'responder' | 'on_call_manager' | 'ethics_officer' | 'ciso' | 'continuity_coordinator' | 'auditor' | 'admin' | 'vendor';

/**
 * Who sends an event. `relation` says whether the actor belongs to the incident's own agency or to
 * its superior agency (which only reviews the report, article 10); `system` is the product itself.
 */
export interface EventActor {
  id: string;
  roles: RoleName[];
  relation: 'own' | 'superior' | 'system';
}

/** Every event carries its actor and the instant it happened (the machine reads no clock). */
interface Base {
  actor: EventActor;
  at: string;
}

export type ReportChannel = 'national_platform' | 'superior_agency' | 'phone' | 'email' | 'fax' | 'in_person';
export const NORMAL_CHANNELS: readonly ReportChannel[] = ['national_platform', 'superior_agency'];
export const REPORT_CHANNELS: readonly ReportChannel[] = ['national_platform', 'superior_agency', 'phone', 'email', 'fax', 'in_person'];

export type LawEnforcementAgency = 'prosecutor' | 'police' | 'investigation_bureau';
export const LAW_ENFORCEMENT_AGENCIES: readonly LawEnforcementAgency[] = ['prosecutor', 'police', 'investigation_bureau'];

export interface ImprovementMeasures {
  management?: string;
  technical?: string;
  staffing?: string;
  resources?: string;
}

export type ClientEvent =
  | (Base & { type: 'TRIAGE'; impact: Impact; category: Category; subcategory?: string })
  | (Base & { type: 'DISMISS'; reason: string })
  /**
   * `via`: set by the runtime, never by a client, when the first event of a person who may
   * acknowledge counts as the acknowledgement (see `applyIncidentEvent`).
   */
  | (Base & { type: 'ACKNOWLEDGE'; via?: ClientEventType })
  | (Base & { type: 'REPORT_TO_AUTHORITY'; channel: ReportChannel; externalReference?: string; fallbackReason?: string })
  | (Base & { type: 'AUTHORITY_REVIEWED'; level: Level; note: string })
  | (Base & { type: 'CONTAINED'; summary: string })
  | (Base & { type: 'RECOVERED'; summary: string })
  | (Base & { type: 'RECLASSIFY'; impact: Impact; reason: string })
  | (Base & { type: 'LE_NOT_REQUIRED'; reason: string })
  | (Base & { type: 'LE_REQUEST'; reason: string })
  | (Base & { type: 'LE_CONTACTED'; lawEnforcementAgency: LawEnforcementAgency; officer: string; caseNumber?: string })
  | (Base & { type: 'LE_EVIDENCE_HANDED_OVER'; evidenceIds: string[] })
  | (Base & { type: 'LE_CONCLUDED'; note: string })
  | (Base & { type: 'SUBMIT_IMPROVEMENT_REPORT'; rootCause: string; measures: ImprovementMeasures; schedule: string })
  | (Base & { type: 'APPROVE_CLOSURE' })
  | (Base & { type: 'REOPEN'; reason: string });

/** The system's own events: a durable deadline passed. Clients cannot send them. */
export type SystemEvent = Base & { type: 'DEADLINE_PASSED'; kind: DeadlineKind; dueAt: string };

export type IncidentEvent = ClientEvent | SystemEvent;
export type ClientEventType = ClientEvent['type'];

export const CLIENT_EVENT_TYPES: readonly ClientEventType[] = [
  'TRIAGE',
  'DISMISS',
  'ACKNOWLEDGE',
  'REPORT_TO_AUTHORITY',
  'AUTHORITY_REVIEWED',
  'CONTAINED',
  'RECOVERED',
  'RECLASSIFY',
  'LE_NOT_REQUIRED',
  'LE_REQUEST',
  'LE_CONTACTED',
  'LE_EVIDENCE_HANDED_OVER',
  'LE_CONCLUDED',
  'SUBMIT_IMPROVEMENT_REPORT',
  'APPROVE_CLOSURE',
  'REOPEN',
];

export const SYSTEM_EVENT_TYPES = ['DEADLINE_PASSED'] as const;

/**
 * Who may send what (least privilege), as a table. Law-enforcement contact runs through the
 * ethics unit (政風, article 9) with the CISO and the on-call manager; the superior agency's
 * reviewers only send AUTHORITY_REVIEWED.
 */
export const EVENT_ROLES: Record<ClientEventType, readonly RoleName[]> = {
  TRIAGE: ['on_call_manager', 'ciso', 'responder'],
  DISMISS: ['on_call_manager', 'ciso'],
  ACKNOWLEDGE: ['on_call_manager', 'responder', 'ciso'],
  REPORT_TO_AUTHORITY: ['on_call_manager', 'ciso'],
  AUTHORITY_REVIEWED: ['ciso', 'on_call_manager'],
  CONTAINED: ['responder', 'on_call_manager'],
  RECOVERED: ['responder', 'on_call_manager'],
  RECLASSIFY: ['on_call_manager', 'ciso'],
  LE_NOT_REQUIRED: ['ethics_officer', 'ciso', 'on_call_manager'],
  LE_REQUEST: ['ethics_officer', 'ciso', 'on_call_manager'],
  LE_CONTACTED: ['ethics_officer', 'ciso', 'on_call_manager'],
  LE_EVIDENCE_HANDED_OVER: ['ethics_officer', 'ciso', 'on_call_manager'],
  LE_CONCLUDED: ['ethics_officer', 'ciso', 'on_call_manager'],
  SUBMIT_IMPROVEMENT_REPORT: ['on_call_manager', 'ciso', 'responder'],
  APPROVE_CLOSURE: ['ciso'],
  REOPEN: ['on_call_manager', 'ciso'],
};

/** Which agency's people send an event: the superior's reviewers review; everything else is the agency's own. */
export function relationFor(type: ClientEventType, hasSuperior: boolean): 'own' | 'superior' {
  return type === 'AUTHORITY_REVIEWED' && hasSuperior ? 'superior' : 'own';
}

/** Whether the actor's roles and agency allow the event (checked again inside the machine). */
export function actorMaySend(type: ClientEventType, actor: EventActor, hasSuperior: boolean): boolean {
  if (actor.relation !== relationFor(type, hasSuperior)) return false;
  return actor.roles.some((r) => EVENT_ROLES[type].includes(r));
}
