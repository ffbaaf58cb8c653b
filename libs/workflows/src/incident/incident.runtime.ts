import { getNextTransitions, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { DEFAULT_REPORT_REMINDER_LEAD } from './clocks.js';
import { actorMaySend, CLIENT_EVENT_TYPES, type ClientEventType, type EventActor, type IncidentEvent } from './incident.events.js';
import { INCIDENT_MACHINE_VERSION, incidentMachine, type IncidentContext, type IncidentEffect, type IncidentInput } from './incident.machine.js';
import { sameImpact } from './levels.js';

/**
 * The "serverless workflow" around the incident machine: store the snapshot, run the pure
 * `transition`, hand the returned effects to the caller. Nothing here executes an effect.
 */
export type IncidentSnapshot = SnapshotFrom<typeof incidentMachine>;

/** What is stored: the persisted snapshot and the machine version that wrote it. */
export interface StoredIncident {
  machineVersion: number;
  snapshot: unknown;
}

const EFFECT_TYPES = new Set(['notify', 'startDeadline', 'meetDeadline', 'cancelDeadlines', 'timeline']);

function effectsOf(actions: Array<{ type: string; params?: unknown }>): IncidentEffect[] {
  return actions.filter((a) => EFFECT_TYPES.has(a.type)).map((a) => ({ type: a.type, params: a.params }) as IncidentEffect);
}

export function fileIncident(input: IncidentInput): { snapshot: IncidentSnapshot; persisted: unknown; effects: IncidentEffect[] } {
  const [snapshot, actions] = initialTransition(incidentMachine, input);
  return { snapshot, persisted: incidentMachine.getPersistedSnapshot(snapshot), effects: effectsOf(actions) };
}

/**
 * Upgrades a snapshot written by an older machine definition to the current one. Each version
 * bump adds a step here; a snapshot is never stranded.
 */
const UPGRADES: Record<number, (persisted: Record<string, unknown>) => Record<string, unknown>> = {
  // 0 → 1: the pre-release shape kept paging outside the context and had no breaches list.
  0: (p) => {
    const context = { ...(p.context as Record<string, unknown>) };
    context.paging ??= { step: 0, round: 0, acknowledgedBy: null, acknowledgedAt: null, exhausted: false };
    context.breaches ??= [];
    context.reopenings ??= [];
    return { ...p, context };
  },
  // 1 → 2: awareness-based clocks count from `clockBase` (the reopening time after REOPEN).
  1: (p) => {
    const context = { ...(p.context as Record<string, unknown>) };
    const reopenings = (context.reopenings as Array<{ at: string }> | undefined) ?? [];
    context.clockBase ??= reopenings.length ? reopenings[reopenings.length - 1]!.at : context.awareAt;
    return { ...p, context };
  },
  // 2 → 3: the policy names the lead of the "report due soon" reminder (and clocks may hold a fired
  // reminder). An incident filed before has no reminder row; it runs on the default lead from now on.
  2: (p) => {
    const context = { ...(p.context as Record<string, unknown>) };
    const policy = { ...(context.policy as Record<string, unknown>) };
    policy.reportReminderLead ??= DEFAULT_REPORT_REMINDER_LEAD;
    context.policy = policy;
    return { ...p, context };
  },
  // 3 → 4: paging names the event that acknowledged; rounds before a reopening are kept as history;
  // the superior's reviewed level is a floor of the level.
  3: (p) => {
    const context = { ...(p.context as Record<string, unknown>) };
    const paging = { ...(context.paging as Record<string, unknown>) };
    paging.acknowledgedVia ??= paging.acknowledgedBy ? 'ACKNOWLEDGE' : null;
    context.paging = paging;
    context.earlierRounds ??= [];
    // Before version 4 a review's level was recorded but not applied: it is a floor only where it is the level.
    const review = (context.authority as { review?: { level?: number } | null } | undefined)?.review;
    context.reviewedLevel ??= review && review.level === context.level ? review.level : null;
    return { ...p, context };
  },
};

export function restoreIncident(stored: StoredIncident): IncidentSnapshot {
  let persisted = stored.snapshot as Record<string, unknown>;
  for (let v = stored.machineVersion; v < INCIDENT_MACHINE_VERSION; v++) {
    const upgrade = UPGRADES[v];
    if (!upgrade) throw new Error(`no upgrade for incident snapshots of machine version ${v}`);
    persisted = upgrade(persisted);
  }
  if (stored.machineVersion > INCIDENT_MACHINE_VERSION) throw new Error(`incident snapshot of a newer machine (${stored.machineVersion})`);
  return incidentMachine.resolveState(persisted as Parameters<typeof incidentMachine.resolveState>[0]);
}

export interface AppliedEvent {
  changed: boolean;
  snapshot: IncidentSnapshot;
  persisted: unknown;
  effects: IncidentEffect[];
}

/**
 * The acknowledgement that an accepted event carries with it: while nobody has acknowledged, the
 * first event from someone who may acknowledge (the agency's on-call manager, responder or CISO)
 * counts as the acknowledgement, so handling an incident stops the pager. Recorded as an
 * ACKNOWLEDGE `via` that event.
 */
export function implicitAcknowledgement(snapshot: IncidentSnapshot, event: IncidentEvent): IncidentEvent | null {
  if (event.type === 'ACKNOWLEDGE' || event.type === 'DEADLINE_PASSED') return null;
  const ack: IncidentEvent = { type: 'ACKNOWLEDGE', via: event.type, actor: event.actor, at: event.at };
  return snapshot.can(ack) ? ack : null;
}

/** Sends one event to the machine alone (no implicit acknowledgement). A refused event changes nothing (`changed: false`, no effects). */
export function applyMachineEvent(snapshot: IncidentSnapshot, event: IncidentEvent): AppliedEvent {
  if (!snapshot.can(event)) return { changed: false, snapshot, persisted: incidentMachine.getPersistedSnapshot(snapshot), effects: [] };
  const [next, actions] = transition(incidentMachine, snapshot, event);
  return { changed: true, snapshot: next, persisted: incidentMachine.getPersistedSnapshot(next), effects: effectsOf(actions) };
}

/**
 * Sends one event as the application does: the acknowledgement it carries (see
 * `implicitAcknowledgement`) first, then the event. A refused event changes nothing.
 */
export function applyIncidentEvent(snapshot: IncidentSnapshot, event: IncidentEvent): AppliedEvent {
  if (!snapshot.can(event)) return applyMachineEvent(snapshot, event);
  const ack = implicitAcknowledgement(snapshot, event);
  if (!ack) return applyMachineEvent(snapshot, event);
  const acknowledged = applyMachineEvent(snapshot, ack);
  const applied = applyMachineEvent(acknowledged.snapshot, event);
  return { ...applied, effects: [...acknowledged.effects, ...applied.effects] };
}

/** The state as flat columns for querying: top state and each region's state. */
export interface FlatState {
  state: 'reported' | 'responding' | 'review' | 'closed' | 'dismissed';
  response: string | null;
  authority: string | null;
  lawEnforcement: string | null;
  review: string | null;
}

export function flattenState(snapshot: IncidentSnapshot): FlatState {
  const value = snapshot.value as unknown;
  if (value === 'closed' || value === 'dismissed') return { state: value, response: null, authority: null, lawEnforcement: null, review: null };
  const open = (value as { open: unknown }).open;
  if (open === 'reported') return { state: 'reported', response: null, authority: null, lawEnforcement: null, review: null };
  if (typeof open === 'object' && open && 'review' in open) {
    return { state: 'review', response: null, authority: null, lawEnforcement: null, review: (open as { review: string }).review };
  }
  const r = (open as { responding: { response: string; authority: string; lawEnforcement: string } }).responding;
  return { state: 'responding', response: r.response, authority: r.authority, lawEnforcement: r.lawEnforcement, review: null };
}

/** The fields each client event must carry (for GET …/transitions). */
export const EVENT_REQUIRES: Record<ClientEventType, string[]> = {
  TRIAGE: ['impact', 'category'],
  DISMISS: ['reason'],
  ACKNOWLEDGE: [],
  REPORT_TO_AUTHORITY: ['channel'],
  AUTHORITY_REVIEWED: ['level', 'note'],
  CONTAINED: ['summary'],
  RECOVERED: ['summary'],
  RECLASSIFY: ['impact', 'reason'],
  LE_NOT_REQUIRED: ['reason'],
  LE_REQUEST: ['reason'],
  LE_CONTACTED: ['lawEnforcementAgency', 'officer'],
  LE_EVIDENCE_HANDED_OVER: ['evidenceIds'],
  LE_CONCLUDED: ['note'],
  SUBMIT_IMPROVEMENT_REPORT: ['rootCause', 'measures', 'schedule'],
  APPROVE_CLOSURE: [],
  REOPEN: ['reason'],
};

/** Event types the state accepts now (whatever the data), before role checks. */
export function eventsInState(snapshot: IncidentSnapshot): ClientEventType[] {
  const context: IncidentContext = snapshot.context;
  const types = new Set<ClientEventType>();
  for (const t of getNextTransitions(snapshot)) {
    const type = t.eventType as ClientEventType;
    if (!CLIENT_EVENT_TYPES.includes(type)) continue;
    if (type === 'ACKNOWLEDGE' && context.paging.acknowledgedBy !== null) continue;
    if (type === 'AUTHORITY_REVIEWED' && context.authority.status !== 'reported') continue;
    if (type === 'SUBMIT_IMPROVEMENT_REPORT' && !snapshot.matches({ open: { review: 'awaiting_report' } })) continue;
    const authorityCurrent = context.authority.status !== 'pending' && context.authority.reportedLevel === context.level;
    if ((type === 'SUBMIT_IMPROVEMENT_REPORT' || type === 'APPROVE_CLOSURE') && !authorityCurrent) continue;
    if (type === 'REPORT_TO_AUTHORITY' && context.authority.status !== 'pending') continue;
    types.add(type);
  }
  return CLIENT_EVENT_TYPES.filter((t) => types.has(t));
}

/** What this actor may send now, with the fields each needs. */
export function allowedEvents(snapshot: IncidentSnapshot, actor: EventActor): Array<{ type: ClientEventType; requires: string[] }> {
  return eventsInState(snapshot)
    .filter((type) => actorMaySend(type, actor, snapshot.context.hasSuperior))
    .map((type) => ({ type, requires: EVENT_REQUIRES[type] }));
}

/**
 * Why the workflow refused an event that the state and the actor allow, where a rule names a field
 * of the event (for the problem's `errors[]`); empty when the refusal is the state's ("not possible now").
 */
export function refusalReasons(snapshot: IncidentSnapshot, event: IncidentEvent): Array<{ field: string; rule: string; message: string }> {
  if (event.type !== 'RECLASSIFY' || !eventsInState(snapshot).includes('RECLASSIFY')) return [];
  if (!actorMaySend('RECLASSIFY', event.actor, snapshot.context.hasSuperior)) return [];
  if (!sameImpact(event.impact, snapshot.context.impact)) return [];
  return [{ field: 'impact', rule: 'changed', message: 'the impact is already this one; a reclassification must change it (nothing to change)' }];
}
