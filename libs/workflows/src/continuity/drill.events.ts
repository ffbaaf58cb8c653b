import type { EventActor, RoleName } from '../incident/incident.events.js';

/** The kinds of business-continuity exercise (tabletop discussion, functional test, full-scale exercise). */
export type DrillType = 'tabletop' | 'functional' | 'full_scale';
export const DRILL_TYPES: readonly DrillType[] = ['tabletop', 'functional', 'full_scale'];

/** The clocks a drill runs on: the next reminder before the date, the date itself, the after-action report. */
export type DrillDeadlineKind = 'reminder' | 'start' | 'after_action';
export const DRILL_DEADLINE_KINDS: readonly DrillDeadlineKind[] = ['reminder', 'start', 'after_action'];

/** A capability's rating in the after-action report: Performed without challenges, with Some, with Major challenges, Unable to perform. */
export type CapabilityRating = 'P' | 'S' | 'M' | 'U';
export const CAPABILITY_RATINGS: readonly CapabilityRating[] = ['P', 'S', 'M', 'U'];

export interface DrillParticipantInput {
  name: string;
  role: string;
  organisation?: string;
}

export interface CorrectiveActionInput {
  title: string;
  ownerUserId?: string;
  ownerUnitId?: string;
  /** ISO instant. */
  dueAt: string;
}

/** The after-action report (the API validates it fully; the machine checks its shape). */
export interface AfterActionReport {
  objectives: string[];
  scenario: string;
  participants: DrillParticipantInput[];
  capabilities: Array<{ capability: string; rating: CapabilityRating; notes?: string }>;
  strengths: string[];
  areasForImprovement: string[];
  correctiveActions: CorrectiveActionInput[];
  planChangeRequired: boolean;
}

/** Every event carries its actor and the instant it happened (the machine reads no clock). */
interface Base {
  actor: EventActor;
  at: string;
}

export type DrillClientEvent =
  | (Base & { type: 'START' })
  | (Base & { type: 'RECORD_PARTICIPANT'; name: string; role: string; organisation?: string })
  | (Base & { type: 'RECORD_OBSERVATION'; text: string; capability?: string })
  | (Base & { type: 'COMPLETE'; summary?: string })
  | (Base & { type: 'SUBMIT_AFTER_ACTION'; report: AfterActionReport })
  | (Base & { type: 'PLAN_UPDATED'; planVersion: number })
  /** `openCorrectiveActions` is filled in by the application from its database, never taken from the client. */
  | (Base & { type: 'CLOSE'; openCorrectiveActions: number })
  | (Base & { type: 'CANCEL'; reason: string })
  | (Base & { type: 'RESCHEDULE'; date: string; reason: string });

/** The system's own event: a durable deadline passed. Clients cannot send it. */
export type DrillSystemEvent = Base & { type: 'DEADLINE_PASSED'; kind: DrillDeadlineKind; dueAt: string; step?: number };

export type DrillEvent = DrillClientEvent | DrillSystemEvent;
export type DrillClientEventType = DrillClientEvent['type'];
export type DrillEventType = DrillEvent['type'];

export const DRILL_CLIENT_EVENT_TYPES: readonly DrillClientEventType[] = [
  'START',
  'RECORD_PARTICIPANT',
  'RECORD_OBSERVATION',
  'COMPLETE',
  'SUBMIT_AFTER_ACTION',
  'PLAN_UPDATED',
  'CLOSE',
  'CANCEL',
  'RESCHEDULE',
];

export const DRILL_SYSTEM_EVENT_TYPES = ['DEADLINE_PASSED'] as const;

/** What the product itself (actor relation `system`) may send: a new plan version, a deadline. Nothing else. */
export const DRILL_SYSTEM_MAY_SEND: readonly DrillEventType[] = ['PLAN_UPDATED', 'DEADLINE_PASSED'];

const RUNNING: readonly RoleName[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager'];
const OWNING: readonly RoleName[] = ['continuity_coordinator', 'ciso'];

/**
 * Who may send what (least privilege), as a table: the people taking part run the exercise; the
 * continuity coordinator and the CISO own the programme (report, plan, closing, the date).
 */
export const DRILL_EVENT_ROLES: Record<DrillClientEventType, readonly RoleName[]> = {
  START: RUNNING,
  RECORD_PARTICIPANT: RUNNING,
  RECORD_OBSERVATION: RUNNING,
  COMPLETE: RUNNING,
  SUBMIT_AFTER_ACTION: OWNING,
  PLAN_UPDATED: OWNING,
  CLOSE: OWNING,
  CANCEL: OWNING,
  RESCHEDULE: OWNING,
};

/**
 * Whether the actor may send the event (checked again inside the machine): people of the drill's
 * own agency by role; the system only PLAN_UPDATED and DEADLINE_PASSED; a superior agency nothing.
 */
export function drillActorMaySend(type: DrillEventType, actor: EventActor): boolean {
  if (!actor || typeof actor !== 'object' || !Array.isArray(actor.roles)) return false;
  if (actor.relation === 'system') return DRILL_SYSTEM_MAY_SEND.includes(type);
  if (actor.relation !== 'own' || !Object.hasOwn(DRILL_EVENT_ROLES, type)) return false;
  const allowed = DRILL_EVENT_ROLES[type as DrillClientEventType];
  return actor.roles.some((r) => allowed.includes(r));
}
