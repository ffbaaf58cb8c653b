import { DateTime, Duration } from 'luxon';
import { and, enqueueActions, setup } from 'xstate';
import type { RoleName } from '../incident/incident.events.js';
import type { Audience, ClockState, NotifyParams, TimelineParams } from '../incident/incident.machine.js';
import {
  CAPABILITY_RATINGS,
  DRILL_DEADLINE_KINDS,
  drillActorMaySend,
  type AfterActionReport,
  type CapabilityRating,
  type DrillDeadlineKind,
  type DrillEvent,
  type DrillType,
} from './drill.events.js';

/**
 * The drill (business-continuity exercise) workflow as a pure statechart: it decides, the
 * application persists. No I/O, no timers, no clock: events carry their instant (`at`) and actor,
 * and every effect is an action that only describes itself (notify, start/meet/cancel a deadline,
 * add a timeline entry), exactly like the incident machine.
 *
 *   scheduled.upcoming → (start passed) scheduled.overdue;  scheduled.* → RESCHEDULE → scheduled.upcoming
 *   scheduled.* → START → in_progress → COMPLETE → debrief → SUBMIT_AFTER_ACTION → improvement → CLOSE → closed
 *   scheduled.* | in_progress → CANCEL → cancelled
 *
 * At most one deadline of each kind is pending at any time: the reminders are armed one at a time
 * (the earliest still ahead), the start deadline is the scheduled date, the after-action deadline
 * runs from completion. Deadlines count in UTC.
 */
export const DRILL_MACHINE_VERSION = 1;

/** The after-action report is due this long after the drill is completed, unless the programme says otherwise. */
export const DEFAULT_AFTER_ACTION_WINDOW = 'P30D';
/** Reminders before the drill's date, unless the programme says otherwise. */
export const DEFAULT_DRILL_REMINDERS: readonly string[] = ['P30D', 'P7D', 'P1D'];

export interface DrillInput {
  drillId: string;
  planId: string;
  agencyId: string;
  drillType: DrillType;
  /** ISO instant. */
  scheduledFor: string;
  /** ISO durations before `scheduledFor`, e.g. ['P30D', 'P7D', 'P1D']. */
  reminders: string[];
  /** ISO duration after completion, default 'P30D'. */
  afterActionWindow: string;
  /** The agency's IANA zone: reminders and the report window count on its calendar (UTC when absent). */
  timezone?: string;
  /** A drill is not an incident: there is no `isDrill` flag here. */
  isDrill?: never;
  /** ISO instant of creation. */
  now: string;
  scheduledBy: { id: string; roles: RoleName[]; relation: 'own' | 'system' };
}

export interface DrillBreach {
  kind: DrillDeadlineKind;
  dueAt: string;
  at: string;
  lateByMs: number;
}

export interface DrillParticipantRecord {
  name: string;
  role: string;
  organisation: string | null;
  at: string;
  by: string;
}

export interface DrillObservation {
  text: string;
  capability: string | null;
  at: string;
  by: string;
}

/** What the machine keeps of the after-action report (the report itself is stored by the application). */
export interface DrillAfterActionSummary {
  submittedAt: string;
  submittedBy: string;
  dueAt: string | null;
  objectives: number;
  capabilities: Array<{ capability: string; rating: CapabilityRating }>;
  correctiveActions: number;
  planChangeRequired: boolean;
}

export interface DrillContext {
  drillId: string;
  planId: string;
  agencyId: string;
  drillType: DrillType;
  /** The current date of the drill (moved by RESCHEDULE). */
  scheduledFor: string;
  originalScheduledFor: string;
  reminders: string[];
  afterActionWindow: string;
  /** The agency's zone for calendar arithmetic; null on drills stored before it was kept (counted in UTC). */
  timezone?: string | null;
  scheduledAt: string;
  scheduledBy: { id: string; relation: 'own' | 'system' };
  /** One clock per kind; a reminder clock carries its step (index in `reminders`). A fired reminder is `met`. */
  clocks: Partial<Record<DrillDeadlineKind, ClockState>>;
  remindersSent: Array<{ step: number; dueAt: string; at: string }>;
  startedAt: string | null;
  startedBy: string | null;
  completedAt: string | null;
  completedBy: string | null;
  completionSummary: string | null;
  afterActionDueAt: string | null;
  /** The after-action deadline passed before the report came (escalated once). */
  afterActionOverdue: boolean;
  /** The report was submitted after it was due. */
  afterActionLate: boolean;
  participants: DrillParticipantRecord[];
  observations: DrillObservation[];
  afterAction: DrillAfterActionSummary | null;
  planChangeRequired: boolean;
  planUpdate: { planVersion: number; at: string; by: string } | null;
  breaches: DrillBreach[];
  reschedules: Array<{ from: string; to: string; reason: string; at: string; by: string }>;
  cancellation: { at: string; by: string; reason: string } | null;
  closedAt: string | null;
  closedBy: string | null;
}

export interface DrillStartDeadlineParams {
  kind: DrillDeadlineKind;
  dueAt: string;
  step?: number;
}
export interface DrillDeadlineRefParams {
  kind: DrillDeadlineKind;
}
export interface DrillCancelDeadlinesParams {
  kinds: DrillDeadlineKind[];
}

/** The effects the application carries out, by action type (the same shapes as the incident's). */
export type DrillEffect =
  | { type: 'notify'; params: NotifyParams }
  | { type: 'startDeadline'; params: DrillStartDeadlineParams }
  | { type: 'meetDeadline'; params: DrillDeadlineRefParams }
  | { type: 'cancelDeadlines'; params: DrillCancelDeadlinesParams }
  | { type: 'timeline'; params: TimelineParams };

/** Maximum lengths of free text. */
export const DRILL_TEXT_LIMITS = { name: 200, reason: 2000, text: 5000, summary: 5000, scenario: 20_000, item: 2000, list: 500 } as const;

const COORDINATOR: Audience = { kind: 'role', role: 'continuity_coordinator' };
const CISO: Audience = { kind: 'role', role: 'ciso' };
const OWNERS: Audience[] = [COORDINATOR, CISO];

function nonBlank(s: unknown, max: number): s is string {
  return typeof s === 'string' && s.trim().length > 0 && s.length <= max;
}

function optionalNonBlank(s: unknown, max: number): boolean {
  return s === undefined || nonBlank(s, max);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 date-time with its offset (`Z` or `±hh:mm`): an instant, not a local time. */
export function isDrillInstant(s: unknown): s is string {
  return typeof s === 'string' && INSTANT.test(s) && DateTime.fromISO(s).isValid;
}

/** A positive ISO 8601 duration (`P30D`, `PT1H`, `P1M`). */
export function isDrillDuration(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 40) return false;
  const d = Duration.fromISO(s);
  return d.isValid && Object.values(d.toObject()).every((v) => typeof v === 'number' && v >= 0) && d.toMillis() > 0;
}

function ms(iso: string): number {
  return Date.parse(iso);
}

/** An instant as UTC ISO (`…Z`, with milliseconds), the form deadlines are stored and compared in. */
function utc(iso: string): string {
  return DateTime.fromISO(iso).toUTC().toISO()!;
}

/**
 * An instant minus an ISO duration, counted on the calendar of the agency's zone (luxon): "7 days
 * before 09:00" is 09:00 local seven days earlier, across a daylight-saving change too. Drills
 * stored before the zone was kept count on the UTC calendar.
 */
function before(iso: string, duration: string, zone = 'UTC'): string {
  return DateTime.fromISO(iso, { zone }).minus(Duration.fromISO(duration)).toUTC().toISO()!;
}

/** An instant plus an ISO duration, counted on the calendar of the agency's zone (luxon). */
function after(iso: string, duration: string, zone = 'UTC'): string {
  return DateTime.fromISO(iso, { zone }).plus(Duration.fromISO(duration)).toUTC().toISO()!;
}

/** Every reminder of a date: its step (index in `reminders`) and when it is due, earliest first; only those before the date. */
export function drillReminderTimes(scheduledFor: string, reminders: readonly string[], zone = 'UTC'): Array<{ step: number; dueAt: string }> {
  return reminders
    .map((d, step) => ({ step, dueAt: before(scheduledFor, d, zone) }))
    .filter((r) => ms(r.dueAt) < ms(scheduledFor))
    .sort((a, b) => ms(a.dueAt) - ms(b.dueAt) || a.step - b.step);
}

/** The reminder to arm: the earliest one due strictly after `afterIso` (reminders already past are skipped), or null. */
export function nextDrillReminder(scheduledFor: string, reminders: readonly string[], afterIso: string, zone = 'UTC'): { step: number; dueAt: string } | null {
  return drillReminderTimes(scheduledFor, reminders, zone).find((r) => ms(r.dueAt) > ms(afterIso)) ?? null;
}

function validParticipant(p: unknown): boolean {
  if (!p || typeof p !== 'object') return false;
  const v = p as Record<string, unknown>;
  return nonBlank(v.name, DRILL_TEXT_LIMITS.name) && nonBlank(v.role, DRILL_TEXT_LIMITS.name) && optionalNonBlank(v.organisation, DRILL_TEXT_LIMITS.name);
}

function listOf(a: unknown, valid: (item: unknown) => boolean, min = 0): boolean {
  return Array.isArray(a) && a.length >= min && a.length <= DRILL_TEXT_LIMITS.list && a.every(valid);
}

const text = (item: unknown) => nonBlank(item, DRILL_TEXT_LIMITS.item);

/** The report's shape: what the machine relies on and what would make the record meaningless (the API validates fully). */
export function isAfterActionReport(r: unknown): r is AfterActionReport {
  if (!r || typeof r !== 'object') return false;
  const v = r as Record<string, unknown>;
  return (
    listOf(v.objectives, text, 1) &&
    nonBlank(v.scenario, DRILL_TEXT_LIMITS.scenario) &&
    listOf(v.participants, validParticipant) &&
    listOf(
      v.capabilities,
      (c) =>
        !!c &&
        typeof c === 'object' &&
        nonBlank((c as Record<string, unknown>).capability, DRILL_TEXT_LIMITS.name) &&
        CAPABILITY_RATINGS.includes((c as Record<string, unknown>).rating as CapabilityRating) &&
        optionalNonBlank((c as Record<string, unknown>).notes, DRILL_TEXT_LIMITS.text),
      1,
    ) &&
    listOf(v.strengths, text) &&
    listOf(v.areasForImprovement, text) &&
    listOf(v.correctiveActions, (a) => {
      if (!a || typeof a !== 'object') return false;
      const c = a as Record<string, unknown>;
      return (
        nonBlank(c.title, DRILL_TEXT_LIMITS.item) &&
        optionalNonBlank(c.ownerUserId, DRILL_TEXT_LIMITS.name) &&
        optionalNonBlank(c.ownerUnitId, DRILL_TEXT_LIMITS.name) &&
        isDrillInstant(c.dueAt)
      );
    }) &&
    typeof v.planChangeRequired === 'boolean'
  );
}

/** Pending clocks turned `cancelled`. */
function cancelPending(clocks: DrillContext['clocks'], kinds: readonly DrillDeadlineKind[]): DrillContext['clocks'] {
  const next = { ...clocks };
  for (const kind of kinds) if (next[kind]?.status === 'pending') next[kind] = { ...next[kind], status: 'cancelled' };
  return next;
}

const noop = () => undefined;

export const drillMachine = setup({
  types: {
    context: {} as DrillContext,
    events: {} as DrillEvent,
    input: {} as DrillInput,
  },
  actions: {
    // Effect descriptions: executed by the application, never by the machine.
    notify: (_: unknown, _params: NotifyParams) => noop(),
    startDeadline: (_: unknown, _params: DrillStartDeadlineParams) => noop(),
    meetDeadline: (_: unknown, _params: DrillDeadlineRefParams) => noop(),
    cancelDeadlines: (_: unknown, _params: DrillCancelDeadlinesParams) => noop(),
    timeline: (_: unknown, _params: TimelineParams) => noop(),
    recordParticipant: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'RECORD_PARTICIPANT') return;
      const participant = { name: event.name, role: event.role, organisation: event.organisation ?? null, at: event.at, by: event.actor.id };
      enqueue.assign({ participants: [...context.participants, participant] });
      enqueue({
        type: 'timeline',
        params: { entry: 'participant_recorded', data: { name: event.name, role: event.role, organisation: participant.organisation } },
      });
    }),
    recordObservation: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'RECORD_OBSERVATION') return;
      const observation = { text: event.text, capability: event.capability ?? null, at: event.at, by: event.actor.id };
      enqueue.assign({ observations: [...context.observations, observation] });
      enqueue({
        type: 'timeline',
        params: { entry: 'observation_recorded', data: { capability: observation.capability, index: context.observations.length } },
      });
    }),
    cancel: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CANCEL') return;
      enqueue.assign({
        cancellation: { at: event.at, by: event.actor.id, reason: event.reason },
        clocks: cancelPending(context.clocks, DRILL_DEADLINE_KINDS),
      });
      enqueue({ type: 'cancelDeadlines', params: { kinds: [...DRILL_DEADLINE_KINDS] } });
      enqueue({ type: 'timeline', params: { entry: 'cancelled', data: { reason: event.reason } } });
      enqueue({ type: 'notify', params: { template: 'drill.cancelled', audience: OWNERS } });
    }),
    /** A new date: the start deadline moves to it and the reminders are planned again from now. */
    reschedule: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'RESCHEDULE') return;
      const to = utc(event.date);
      const reminder = nextDrillReminder(to, context.reminders, event.at, context.timezone ?? 'UTC');
      const clocks: DrillContext['clocks'] = { ...context.clocks, start: { dueAt: to, status: 'pending' } };
      const reminderWasPending = context.clocks.reminder?.status === 'pending';
      if (reminder) clocks.reminder = { dueAt: reminder.dueAt, status: 'pending', step: reminder.step };
      else if (reminderWasPending) clocks.reminder = { ...context.clocks.reminder!, status: 'cancelled' };
      enqueue.assign({
        scheduledFor: to,
        clocks,
        reschedules: [...context.reschedules, { from: context.scheduledFor, to, reason: event.reason, at: event.at, by: event.actor.id }],
      });
      enqueue({ type: 'startDeadline', params: { kind: 'start', dueAt: to } });
      if (reminder) enqueue({ type: 'startDeadline', params: { kind: 'reminder', dueAt: reminder.dueAt, step: reminder.step } });
      else if (reminderWasPending) enqueue({ type: 'cancelDeadlines', params: { kinds: ['reminder'] } });
      enqueue({ type: 'timeline', params: { entry: 'rescheduled', data: { from: context.scheduledFor, to, reason: event.reason } } });
      enqueue({ type: 'notify', params: { template: 'drill.rescheduled', audience: OWNERS } });
    }),
  },
  guards: {
    /** The actor may send this event (DRILL_EVENT_ROLES; the system only its own), at a valid instant. */
    actorAllowed: ({ event }) => drillActorMaySend(event.type, event.actor) && isDrillInstant(event.at),
    hasReason: ({ event }) => 'reason' in event && nonBlank(event.reason, DRILL_TEXT_LIMITS.reason),
    /** The new date is an instant strictly after the event. */
    validNewDate: ({ event }) => event.type === 'RESCHEDULE' && isDrillInstant(event.date) && ms(event.date) > ms(event.at),
    validParticipant: ({ event }) => event.type === 'RECORD_PARTICIPANT' && validParticipant(event),
    validObservation: ({ event }) =>
      event.type === 'RECORD_OBSERVATION' && nonBlank(event.text, DRILL_TEXT_LIMITS.text) && optionalNonBlank(event.capability, DRILL_TEXT_LIMITS.name),
    validCompletion: ({ event }) => event.type === 'COMPLETE' && optionalNonBlank(event.summary, DRILL_TEXT_LIMITS.summary),
    validAfterActionReport: ({ event }) => event.type === 'SUBMIT_AFTER_ACTION' && isAfterActionReport(event.report),
    validPlanVersion: ({ event }) => event.type === 'PLAN_UPDATED' && Number.isSafeInteger(event.planVersion) && event.planVersion > 0,
    /** The report asked for a plan change that has not been made yet. */
    planUpdateOwed: ({ context }) => context.planChangeRequired && context.planUpdate === null,
    /** The application counted no open corrective action. */
    noOpenCorrectiveActions: ({ event }) => event.type === 'CLOSE' && event.openCorrectiveActions === 0,
    /** A plan change the report asked for has been made. */
    planUpdatedIfRequired: ({ context }) => !context.planChangeRequired || context.planUpdate !== null,
    /** The deadline the event names is the one still pending (a met, replaced or cancelled clock never fires). */
    deadlinePending: ({ context, event }) => {
      if (event.type !== 'DEADLINE_PASSED' || !DRILL_DEADLINE_KINDS.includes(event.kind) || !isDrillInstant(event.dueAt)) return false;
      const clock = context.clocks[event.kind];
      return clock?.status === 'pending' && ms(clock.dueAt) === ms(event.dueAt) && (event.step === undefined || event.step === clock.step);
    },
    isReminderDeadline: ({ event }) => event.type === 'DEADLINE_PASSED' && event.kind === 'reminder',
    isStartDeadline: ({ event }) => event.type === 'DEADLINE_PASSED' && event.kind === 'start',
    isAfterActionDeadline: ({ event }) => event.type === 'DEADLINE_PASSED' && event.kind === 'after_action',
    afterActionNotFlagged: ({ context }) => !context.afterActionOverdue,
  },
}).createMachine({
  id: 'drill',
  context: ({ input }) => ({
    drillId: input.drillId,
    planId: input.planId,
    agencyId: input.agencyId,
    drillType: input.drillType,
    scheduledFor: utc(input.scheduledFor),
    originalScheduledFor: utc(input.scheduledFor),
    reminders: [...input.reminders],
    afterActionWindow: input.afterActionWindow,
    timezone: input.timezone ?? null,
    scheduledAt: input.now,
    scheduledBy: { id: input.scheduledBy.id, relation: input.scheduledBy.relation },
    clocks: {},
    remindersSent: [],
    startedAt: null,
    startedBy: null,
    completedAt: null,
    completedBy: null,
    completionSummary: null,
    afterActionDueAt: null,
    afterActionOverdue: false,
    afterActionLate: false,
    participants: [],
    observations: [],
    afterAction: null,
    planChangeRequired: false,
    planUpdate: null,
    breaches: [],
    reschedules: [],
    cancellation: null,
    closedAt: null,
    closedBy: null,
  }),
  // Scheduling: the start deadline is the date; the earliest reminder still ahead is armed.
  entry: enqueueActions(({ context, enqueue }) => {
    const reminder = nextDrillReminder(context.scheduledFor, context.reminders, context.scheduledAt, context.timezone ?? 'UTC');
    enqueue.assign({
      clocks: {
        start: { dueAt: context.scheduledFor, status: 'pending' },
        ...(reminder ? { reminder: { dueAt: reminder.dueAt, status: 'pending' as const, step: reminder.step } } : {}),
      },
    });
    enqueue({ type: 'startDeadline', params: { kind: 'start', dueAt: context.scheduledFor } });
    if (reminder) enqueue({ type: 'startDeadline', params: { kind: 'reminder', dueAt: reminder.dueAt, step: reminder.step } });
    enqueue({
      type: 'timeline',
      params: { entry: 'scheduled', data: { drillType: context.drillType, scheduledFor: context.scheduledFor, by: context.scheduledBy.id } },
    });
  }),
  initial: 'scheduled',
  states: {
    scheduled: {
      initial: 'upcoming',
      on: {
        START: {
          target: 'in_progress',
          guard: 'actorAllowed',
          actions: enqueueActions(({ context, event, enqueue }) => {
            const startPending = context.clocks.start?.status === 'pending';
            enqueue.assign({
              startedAt: event.at,
              startedBy: event.actor.id,
              clocks: {
                ...cancelPending(context.clocks, ['reminder']),
                ...(startPending ? { start: { ...context.clocks.start!, status: 'met' as const } } : {}),
              },
            });
            if (startPending) enqueue({ type: 'meetDeadline', params: { kind: 'start' } });
            enqueue({ type: 'cancelDeadlines', params: { kinds: ['reminder'] } });
            enqueue({ type: 'timeline', params: { entry: 'started', data: { scheduledFor: context.scheduledFor, late: !startPending } } });
          }),
        },
        CANCEL: { target: 'cancelled', guard: and(['actorAllowed', 'hasReason']), actions: 'cancel' },
        RESCHEDULE: { target: '.upcoming', guard: and(['actorAllowed', 'validNewDate', 'hasReason']), actions: 'reschedule' },
      },
      states: {
        upcoming: {
          on: {
            DEADLINE_PASSED: [
              {
                // A reminder: people are told, and the next reminder still ahead is armed.
                guard: and(['actorAllowed', 'deadlinePending', 'isReminderDeadline']),
                actions: enqueueActions(({ context, event, enqueue }) => {
                  const fired = context.clocks.reminder!;
                  const latest = ms(event.at) > ms(fired.dueAt) ? event.at : fired.dueAt;
                  const next = nextDrillReminder(context.scheduledFor, context.reminders, latest, context.timezone ?? 'UTC');
                  enqueue.assign({
                    remindersSent: [...context.remindersSent, { step: fired.step ?? 0, dueAt: fired.dueAt, at: event.at }],
                    clocks: {
                      ...context.clocks,
                      reminder: next ? { dueAt: next.dueAt, status: 'pending', step: next.step } : { ...fired, status: 'met' },
                    },
                  });
                  enqueue({ type: 'notify', params: { template: 'drill.reminder', audience: OWNERS } });
                  if (next) enqueue({ type: 'startDeadline', params: { kind: 'reminder', dueAt: next.dueAt, step: next.step } });
                  enqueue({
                    type: 'timeline',
                    params: { entry: 'reminder_sent', data: { step: fired.step ?? 0, dueAt: fired.dueAt, scheduledFor: context.scheduledFor } },
                  });
                }),
              },
              {
                // Not started by its date: overdue, escalated once.
                target: 'overdue',
                guard: and(['actorAllowed', 'deadlinePending', 'isStartDeadline']),
                actions: enqueueActions(({ context, event, enqueue }) => {
                  const clock = context.clocks.start!;
                  const reminderPending = context.clocks.reminder?.status === 'pending';
                  enqueue.assign({
                    clocks: { ...cancelPending(context.clocks, ['reminder']), start: { ...clock, status: 'breached' } },
                    breaches: [...context.breaches, { kind: 'start', dueAt: clock.dueAt, at: event.at, lateByMs: ms(event.at) - ms(clock.dueAt) }],
                  });
                  if (reminderPending) enqueue({ type: 'cancelDeadlines', params: { kinds: ['reminder'] } });
                  enqueue({ type: 'notify', params: { template: 'drill.overdue', audience: OWNERS } });
                  enqueue({ type: 'timeline', params: { entry: 'overdue', data: { scheduledFor: context.scheduledFor, dueAt: clock.dueAt } } });
                }),
              },
            ],
          },
        },
        overdue: {},
      },
    },
    in_progress: {
      on: {
        RECORD_PARTICIPANT: { guard: and(['actorAllowed', 'validParticipant']), actions: 'recordParticipant' },
        RECORD_OBSERVATION: { guard: and(['actorAllowed', 'validObservation']), actions: 'recordObservation' },
        COMPLETE: {
          target: 'debrief',
          guard: and(['actorAllowed', 'validCompletion']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (event.type !== 'COMPLETE') return;
            const dueAt = after(event.at, context.afterActionWindow, context.timezone ?? 'UTC');
            enqueue.assign({
              completedAt: event.at,
              completedBy: event.actor.id,
              completionSummary: event.summary ?? null,
              afterActionDueAt: dueAt,
              clocks: { ...context.clocks, after_action: { dueAt, status: 'pending' } },
            });
            enqueue({ type: 'startDeadline', params: { kind: 'after_action', dueAt } });
            enqueue({ type: 'timeline', params: { entry: 'completed', data: { summary: event.summary ?? null, afterActionDueAt: dueAt } } });
            enqueue({ type: 'notify', params: { template: 'drill.after_action_due', audience: [COORDINATOR] } });
          }),
        },
        CANCEL: { target: 'cancelled', guard: and(['actorAllowed', 'hasReason']), actions: 'cancel' },
      },
    },
    debrief: {
      on: {
        RECORD_PARTICIPANT: { guard: and(['actorAllowed', 'validParticipant']), actions: 'recordParticipant' },
        RECORD_OBSERVATION: { guard: and(['actorAllowed', 'validObservation']), actions: 'recordObservation' },
        SUBMIT_AFTER_ACTION: {
          target: 'improvement',
          guard: and(['actorAllowed', 'validAfterActionReport']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (event.type !== 'SUBMIT_AFTER_ACTION') return;
            const { report } = event;
            const pending = context.clocks.after_action?.status === 'pending';
            const late = context.afterActionDueAt !== null && ms(event.at) > ms(context.afterActionDueAt);
            enqueue.assign({
              afterAction: {
                submittedAt: event.at,
                submittedBy: event.actor.id,
                dueAt: context.afterActionDueAt,
                objectives: report.objectives.length,
                capabilities: report.capabilities.map((c) => ({ capability: c.capability, rating: c.rating })),
                correctiveActions: report.correctiveActions.length,
                planChangeRequired: report.planChangeRequired,
              },
              afterActionLate: late,
              planChangeRequired: report.planChangeRequired,
              clocks: pending ? { ...context.clocks, after_action: { ...context.clocks.after_action!, status: 'met' } } : context.clocks,
            });
            if (pending) enqueue({ type: 'meetDeadline', params: { kind: 'after_action' } });
            enqueue({
              type: 'timeline',
              params: {
                entry: 'after_action_submitted',
                data: { late, planChangeRequired: report.planChangeRequired, correctiveActions: report.correctiveActions.length },
              },
            });
            enqueue({ type: 'notify', params: { template: 'drill.after_action_submitted', audience: OWNERS } });
          }),
        },
        DEADLINE_PASSED: {
          // The after-action report is late: recorded and escalated once; the drill stays in debrief.
          guard: and(['actorAllowed', 'deadlinePending', 'isAfterActionDeadline', 'afterActionNotFlagged']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            const clock = context.clocks.after_action!;
            enqueue.assign({
              afterActionOverdue: true,
              clocks: { ...context.clocks, after_action: { ...clock, status: 'breached' } },
              breaches: [...context.breaches, { kind: 'after_action', dueAt: clock.dueAt, at: event.at, lateByMs: ms(event.at) - ms(clock.dueAt) }],
            });
            enqueue({ type: 'notify', params: { template: 'drill.after_action_overdue', audience: OWNERS } });
            enqueue({ type: 'timeline', params: { entry: 'after_action_overdue', data: { dueAt: clock.dueAt } } });
          }),
        },
      },
    },
    improvement: {
      on: {
        PLAN_UPDATED: {
          guard: and(['actorAllowed', 'validPlanVersion', 'planUpdateOwed']),
          actions: enqueueActions(({ event, enqueue }) => {
            if (event.type !== 'PLAN_UPDATED') return;
            enqueue.assign({ planUpdate: { planVersion: event.planVersion, at: event.at, by: event.actor.id } });
            enqueue({ type: 'timeline', params: { entry: 'plan_updated', data: { planVersion: event.planVersion } } });
          }),
        },
        CLOSE: {
          target: 'closed',
          guard: and(['actorAllowed', 'noOpenCorrectiveActions', 'planUpdatedIfRequired']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.assign({ closedAt: event.at, closedBy: event.actor.id });
            enqueue({ type: 'timeline', params: { entry: 'closed', data: { planVersion: context.planUpdate?.planVersion ?? null } } });
            enqueue({ type: 'notify', params: { template: 'drill.closed', audience: OWNERS } });
          }),
        },
      },
    },
    closed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
