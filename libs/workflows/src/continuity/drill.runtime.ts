import { DateTime } from 'luxon';
import { getNextTransitions, initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { EventActor } from '../incident/incident.events.js';
import { DRILL_CLIENT_EVENT_TYPES, DRILL_TYPES, drillActorMaySend, type DrillClientEventType, type DrillEvent } from './drill.events.js';
import { DRILL_MACHINE_VERSION, drillMachine, isDrillDuration, isDrillInstant, type DrillEffect, type DrillInput } from './drill.machine.js';

/**
 * The "serverless workflow" around the drill machine, as for incidents: store the snapshot, run
 * the pure `transition`, hand the returned effects to the caller. Nothing here executes an effect.
 */
export type DrillSnapshot = SnapshotFrom<typeof drillMachine>;

/** What is stored: the persisted snapshot and the machine version that wrote it. */
export interface StoredDrill {
  machineVersion: number;
  snapshot: unknown;
}

const EFFECT_TYPES = new Set(['notify', 'startDeadline', 'meetDeadline', 'cancelDeadlines', 'timeline']);

function effectsOf(actions: Array<{ type: string; params?: unknown }>): DrillEffect[] {
  return actions.filter((a) => EFFECT_TYPES.has(a.type)).map((a) => ({ type: a.type, params: a.params }) as DrillEffect);
}

const blank = (s: unknown) => typeof s !== 'string' || s.trim().length === 0;

/** What is wrong with a scheduling input (empty when it is valid). The API validates first; this is the machine's own check. */
export function drillInputProblems(input: DrillInput): string[] {
  const problems: string[] = [];
  if (!input || typeof input !== 'object') return ['input is not an object'];
  for (const field of ['drillId', 'planId', 'agencyId'] as const) if (blank(input[field])) problems.push(`${field} is blank`);
  if (!DRILL_TYPES.includes(input.drillType)) problems.push(`drillType ${String(input.drillType)} is not one of ${DRILL_TYPES.join(', ')}`);
  if (!isDrillInstant(input.scheduledFor)) problems.push('scheduledFor is not an ISO instant');
  if (!isDrillInstant(input.now)) problems.push('now is not an ISO instant');
  if (input.timezone !== undefined && (typeof input.timezone !== 'string' || !DateTime.local().setZone(input.timezone).isValid)) {
    problems.push('timezone is not an IANA time zone');
  }
  if (!Array.isArray(input.reminders) || input.reminders.length > 20 || !input.reminders.every(isDrillDuration)) {
    problems.push('reminders are not a list of at most 20 positive ISO durations');
  }
  if (!isDrillDuration(input.afterActionWindow)) problems.push('afterActionWindow is not a positive ISO duration');
  if (!input.scheduledBy || blank(input.scheduledBy.id) || !['own', 'system'].includes(input.scheduledBy.relation)) {
    problems.push('scheduledBy is not an actor of the agency or the system');
  }
  if ((input as { isDrill?: unknown }).isDrill !== undefined) problems.push('isDrill belongs to incidents, not drills');
  return problems;
}

/** Schedules a drill: the initial snapshot and its effects (the start deadline, the first reminder still ahead). Throws on invalid input. */
export function scheduleDrill(input: DrillInput): { snapshot: DrillSnapshot; persisted: unknown; effects: DrillEffect[] } {
  const problems = drillInputProblems(input);
  if (problems.length) throw new Error(`invalid drill input: ${problems.join('; ')}`);
  const [snapshot, actions] = initialTransition(drillMachine, input);
  return { snapshot, persisted: drillMachine.getPersistedSnapshot(snapshot), effects: effectsOf(actions) };
}

/**
 * Upgrades a snapshot written by an older machine definition to the current one. Each version
 * bump adds a step here (version n → n + 1 under key n); a snapshot is never stranded.
 */
const UPGRADES: Record<number, (persisted: Record<string, unknown>) => Record<string, unknown>> = {};

export function restoreDrill(stored: StoredDrill): DrillSnapshot {
  if (stored.machineVersion > DRILL_MACHINE_VERSION) throw new Error(`drill snapshot of a newer machine (${stored.machineVersion})`);
  if (!stored.snapshot || typeof stored.snapshot !== 'object') throw new Error('drill snapshot is not an object');
  let persisted = stored.snapshot as Record<string, unknown>;
  for (let v = stored.machineVersion; v < DRILL_MACHINE_VERSION; v++) {
    const upgrade = UPGRADES[v];
    if (!upgrade) throw new Error(`no upgrade for drill snapshots of machine version ${v}`);
    persisted = upgrade(persisted);
  }
  return drillMachine.resolveState(persisted as Parameters<typeof drillMachine.resolveState>[0]);
}

export interface AppliedDrillEvent {
  changed: boolean;
  snapshot: DrillSnapshot;
  persisted: unknown;
  effects: DrillEffect[];
}

/** Sends one event. A refused event changes nothing (`changed: false`, no effects). */
export function applyDrillEvent(snapshot: DrillSnapshot, event: DrillEvent): AppliedDrillEvent {
  const wellFormed = !!event && typeof event === 'object' && typeof event.type === 'string';
  if (!wellFormed || !snapshot.can(event)) return { changed: false, snapshot, persisted: drillMachine.getPersistedSnapshot(snapshot), effects: [] };
  const [next, actions] = transition(drillMachine, snapshot, event);
  return { changed: true, snapshot: next, persisted: drillMachine.getPersistedSnapshot(next), effects: effectsOf(actions) };
}

/** The state as one column for querying: `scheduled.upcoming` is `scheduled`, `scheduled.overdue` is `overdue`. */
export type DrillStateName = 'scheduled' | 'overdue' | 'in_progress' | 'debrief' | 'improvement' | 'closed' | 'cancelled';
export const DRILL_STATE_NAMES: readonly DrillStateName[] = ['scheduled', 'overdue', 'in_progress', 'debrief', 'improvement', 'closed', 'cancelled'];

export function drillStateName(snapshot: DrillSnapshot): DrillStateName {
  const value = snapshot.value as unknown;
  if (typeof value === 'string') return value as DrillStateName;
  return (value as { scheduled: 'upcoming' | 'overdue' }).scheduled === 'overdue' ? 'overdue' : 'scheduled';
}

/** The fields each client event must carry (for GET …/transitions). CLOSE's `openCorrectiveActions` comes from the application. */
export const DRILL_EVENT_REQUIRES: Record<DrillClientEventType, string[]> = {
  START: [],
  RECORD_PARTICIPANT: ['name', 'role'],
  RECORD_OBSERVATION: ['text'],
  COMPLETE: [],
  SUBMIT_AFTER_ACTION: ['report'],
  PLAN_UPDATED: ['planVersion'],
  CLOSE: [],
  CANCEL: ['reason'],
  RESCHEDULE: ['date', 'reason'],
};

/**
 * Client event types the state accepts now (whatever the data), before role checks. PLAN_UPDATED
 * only while a plan change is owed; CLOSE only once a required plan change is made (whether
 * corrective actions are still open is the application's to check).
 */
export function drillEventsInState(snapshot: DrillSnapshot): DrillClientEventType[] {
  const c = snapshot.context;
  const types = new Set<DrillClientEventType>();
  for (const t of getNextTransitions(snapshot)) {
    const type = t.eventType as DrillClientEventType;
    if (!DRILL_CLIENT_EVENT_TYPES.includes(type)) continue;
    if (type === 'PLAN_UPDATED' && !(c.planChangeRequired && c.planUpdate === null)) continue;
    if (type === 'CLOSE' && c.planChangeRequired && c.planUpdate === null) continue;
    types.add(type);
  }
  return DRILL_CLIENT_EVENT_TYPES.filter((t) => types.has(t));
}

/** What this actor may send now, with the fields each needs. */
export function allowedDrillEvents(snapshot: DrillSnapshot, actor: EventActor): Array<{ type: DrillClientEventType; requires: string[] }> {
  return drillEventsInState(snapshot)
    .filter((type) => drillActorMaySend(type, actor))
    .map((type) => ({ type, requires: DRILL_EVENT_REQUIRES[type] }));
}
