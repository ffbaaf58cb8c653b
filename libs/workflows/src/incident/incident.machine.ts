import { and, enqueueActions, not, or, setup, stateIn } from 'xstate';
import {
  addDuration,
  clockDuration,
  DEFAULT_REPORT_REMINDER_LEAD,
  reportReminderAt,
  type DeadlineKind,
  type IncidentPolicy,
  type RuleClockKind,
} from './clocks.js';
import {
  actorMaySend,
  NORMAL_CHANNELS,
  REPORT_CHANNELS,
  type ClientEventType,
  type IncidentEvent,
  type ImprovementMeasures,
  type LawEnforcementAgency,
  type ReportChannel,
} from './incident.events.js';
import { CATEGORIES, isMajor, levelOf, levelWithin, sameImpact, type Category, type Impact, type Level } from './levels.js';

/**
 * The incident workflow of article 41 as a pure statechart: it decides, the application persists.
 * No I/O, no timers, no clock: events carry their instant (`at`) and actor, and every effect is
 * an action that only describes itself (notify, start/meet/cancel a deadline, add a timeline
 * entry). The application runs `transition()` inside one database transaction and turns the
 * returned actions into outbox, deadline and timeline rows.
 *
 *   open.reported → open.responding (parallel: response, authority, lawEnforcement) → open.review → closed
 *   open.reported → dismissed;  closed | dismissed → REOPEN → open.reported
 *
 * Rules chosen here (README, "Incident workflow rules"):
 * - The first accepted event from someone who may acknowledge (on-call manager, responder, CISO of
 *   the agency) counts as the acknowledgement: the runtime records an ACKNOWLEDGE `via` that event.
 * - The superior agency's review decides the level: a reviewed level other than the reported one
 *   becomes the incident's level, its clocks follow, and it needs no new report (the superior set it).
 * - REOPEN of a closed incident: a new round, its report and recovery clocks count from the
 *   reopening. REOPEN of a dismissed incident (never reported): the dismissal was wrong, so the
 *   clocks count from the original awareness and a report already late is breached at once.
 *   Either way the round that ended (response, law enforcement, improvement report, closure or
 *   dismissal) is kept in `earlierRounds`.
 *
 * Paging (who was paged, who acknowledged) lives in the context and runs while the incident is open.
 * Every report clock comes with a "report due soon" reminder (`report_due_soon`, the policy's
 * `reportReminderLead` before it runs out); a reminder that goes off is `fired`, never a breach.
 */
export const INCIDENT_MACHINE_VERSION = 4;

/** `fired`: a reminder that went off (reminders are never met or breached). */
export type ClockStatus = 'pending' | 'met' | 'breached' | 'cancelled' | 'fired';
export interface ClockState {
  dueAt: string;
  status: ClockStatus;
  step?: number;
}

export interface Breach {
  kind: DeadlineKind;
  dueAt: string;
  at: string;
  lateByMs: number;
}

export interface IncidentInput {
  agencyId: string;
  hasSuperior: boolean;
  policy: IncidentPolicy;
  impact: Impact;
  category: Category;
  subcategory?: string;
  isDrill: boolean;
  awareAt: string;
  filedAt: string;
  filedBy: string;
}

export interface IncidentContext {
  agencyId: string;
  hasSuperior: boolean;
  policy: IncidentPolicy;
  impact: Impact;
  level: Level;
  /**
   * The level the superior agency's last review set, or null: the level never goes below it on the
   * agency's own reclassification (the superior reviews the level, article 10).
   */
  reviewedLevel: Level | null;
  category: Category;
  subcategory: string | null;
  isDrill: boolean;
  awareAt: string;
  filedAt: string;
  filedBy: string;
  /** Where the awareness-based clocks count from: awareAt, or the reopening time after REOPEN. */
  clockBase: string;
  triagedAt: string | null;
  clocks: Partial<Record<DeadlineKind, ClockState>>;
  paging: {
    step: number;
    round: number;
    acknowledgedBy: string | null;
    acknowledgedAt: string | null;
    /** The event that counted as the acknowledgement: ACKNOWLEDGE itself, or the first event of someone who may acknowledge. */
    acknowledgedVia: ClientEventType | null;
    exhausted: boolean;
  };
  authority: {
    status: 'pending' | 'reported' | 'reviewed';
    /** The level last reported; a reclassification to another level needs a new report. */
    reportedLevel: Level | null;
    reports: Array<{ at: string; by: string; level: Level; channel: ReportChannel; externalReference: string | null; fallbackReason: string | null }>;
    review: { at: string; by: string; level: Level; note: string } | null;
  };
  response: { containedAt: string | null; containmentSummary: string | null; recoveredAt: string | null; recoverySummary: string | null };
  lawEnforcement: LawEnforcementRecord;
  improvementReport: ImprovementReport | null;
  closure: { approvedBy: string | null; closedAt: string | null };
  dismissal: { at: string; by: string; reason: string } | null;
  reopenings: Array<{ at: string; by: string; reason: string }>;
  /** What each round before a reopening concluded, oldest first: kept as history, never changed. */
  earlierRounds: EarlierRound[];
  breaches: Breach[];
}

export interface LawEnforcementRecord {
  status: 'undecided' | 'not_required' | 'requested' | 'contacted' | 'evidence_handed_over' | 'concluded';
  reason: string | null;
  agency: LawEnforcementAgency | null;
  officer: string | null;
  caseNumber: string | null;
  requestedAt: string | null;
  contactedAt: string | null;
  evidenceIds: string[];
  handedOverAt: string | null;
  concludedAt: string | null;
  note: string | null;
}

export interface ImprovementReport {
  at: string;
  by: string;
  rootCause: string;
  measures: ImprovementMeasures;
  schedule: string;
}

export interface EarlierRound {
  /** When the round ended by a reopening, and how it had ended (closed or dismissed). */
  reopenedAt: string;
  ended: 'closed' | 'dismissed';
  level: Level;
  response: IncidentContext['response'];
  lawEnforcement: LawEnforcementRecord;
  improvementReport: ImprovementReport | null;
  closure: IncidentContext['closure'];
  dismissal: IncidentContext['dismissal'];
}

export const EMPTY_LAW_ENFORCEMENT: LawEnforcementRecord = {
  status: 'undecided',
  reason: null,
  agency: null,
  officer: null,
  caseNumber: null,
  requestedAt: null,
  contactedAt: null,
  evidenceIds: [],
  handedOverAt: null,
  concludedAt: null,
  note: null,
};

const UNACKNOWLEDGED: IncidentContext['paging'] = { step: 0, round: 0, acknowledgedBy: null, acknowledgedAt: null, acknowledgedVia: null, exhausted: false };

/** An audience of a notification: roles or units of the agency, the superior's reviewers, an escalation step. */
export type Audience =
  | { kind: 'role'; role: string }
  | { kind: 'unitType'; unitType: string }
  | { kind: 'superiorReviewers' }
  | { kind: 'escalationTarget'; target: string }
  | { kind: 'user'; userId: string };

export interface NotifyParams {
  template: string;
  audience: Audience[];
}
export interface StartDeadlineParams {
  kind: DeadlineKind;
  dueAt: string;
  step?: number;
}
export interface DeadlineRefParams {
  kind: DeadlineKind;
}
export interface CancelDeadlinesParams {
  kinds: DeadlineKind[];
}
export interface TimelineParams {
  entry: string;
  data: Record<string, unknown>;
}

/** The effects the application carries out, by action type. */
export type IncidentEffect =
  | { type: 'notify'; params: NotifyParams }
  | { type: 'startDeadline'; params: StartDeadlineParams }
  | { type: 'meetDeadline'; params: DeadlineRefParams }
  | { type: 'cancelDeadlines'; params: CancelDeadlinesParams }
  | { type: 'timeline'; params: TimelineParams };

const RULE_CLOCKS: RuleClockKind[] = ['report', 'superior_review', 'recovery', 'improvement_report'];
const ALL_KINDS: DeadlineKind[] = [...RULE_CLOCKS, 'acknowledgement', 'report_due_soon'];

type Clocks = IncidentContext['clocks'];
type StartOrCancel = { type: 'startDeadline'; params: StartDeadlineParams } | { type: 'cancelDeadlines'; params: CancelDeadlinesParams };

/**
 * The "report due soon" reminder that goes with a report clock started at `start` and due at
 * `reportDue`, set in `clocks` (a copy the caller assigns); returns the effects. The reminder goes
 * off the policy's lead before the due time, and is skipped when that is not after the start. A
 * reminder already set for the same instant (pending, or already fired) is kept, so recomputing a
 * clock that keeps its due time never reminds twice; otherwise a pending one is replaced or cancelled.
 */
function scheduleReportReminder(clocks: Clocks, policy: IncidentPolicy, start: string, reportDue: string): StartOrCancel[] {
  const dueAt = reportReminderAt(policy, start, reportDue);
  const current = clocks.report_due_soon;
  if (dueAt === null) return cancelReportReminder(clocks);
  if (current && current.dueAt === dueAt && (current.status === 'pending' || current.status === 'fired')) return [];
  clocks.report_due_soon = { dueAt, status: 'pending' };
  return [{ type: 'startDeadline', params: { kind: 'report_due_soon', dueAt } }];
}

/** The report was made, or its clock ended otherwise: a pending reminder is cancelled (in `clocks`, a copy). */
function cancelReportReminder(clocks: Clocks): StartOrCancel[] {
  const current = clocks.report_due_soon;
  if (current?.status !== 'pending') return [];
  clocks.report_due_soon = { ...current, status: 'cancelled' };
  return [{ type: 'cancelDeadlines', params: { kinds: ['report_due_soon'] } }];
}

/**
 * The clocks whose length depends on the level, recomputed for a new level in `clocks` (a copy the
 * caller assigns): a pending recovery clock from the clock base, a pending improvement-report clock
 * from the recovery. Returns the deadlines to (re)start.
 */
function clocksForLevel(context: IncidentContext, clocks: Clocks, level: Level): Array<{ type: 'startDeadline'; params: StartDeadlineParams }> {
  const zone = context.policy.timezone;
  const effects: Array<{ type: 'startDeadline'; params: StartDeadlineParams }> = [];
  if (clocks.improvement_report?.status === 'pending' && context.response.recoveredAt) {
    const due = addDuration(context.response.recoveredAt, clockDuration(context.policy, 'improvement_report', level), zone);
    if (due !== clocks.improvement_report.dueAt) {
      clocks.improvement_report = { dueAt: due, status: 'pending' };
      effects.push({ type: 'startDeadline', params: { kind: 'improvement_report', dueAt: due } });
    }
  }
  if (clocks.recovery?.status === 'pending') {
    const due = addDuration(context.clockBase, clockDuration(context.policy, 'recovery', level), zone);
    if (due !== clocks.recovery.dueAt) {
      clocks.recovery = { dueAt: due, status: 'pending' };
      effects.push({ type: 'startDeadline', params: { kind: 'recovery', dueAt: due } });
    }
  }
  return effects;
}

/**
 * The clocks a round of handling opens with (filing, or a reopening): report and recovery counted
 * from `base`, the first page's acknowledgement from `pagedAt`, and the report reminder unless the
 * report is already due at `pagedAt`. Set in `clocks` (a copy the caller assigns); returns the
 * deadlines to start.
 */
function openingClocks(clocks: Clocks, policy: IncidentPolicy, level: Level, base: string, pagedAt: string): Array<StartOrCancel> {
  const zone = policy.timezone;
  const report = addDuration(base, clockDuration(policy, 'report', level), zone);
  const recovery = addDuration(base, clockDuration(policy, 'recovery', level), zone);
  const ack = addDuration(pagedAt, policy.escalation.steps[0]!.timeout, zone);
  clocks.report = { dueAt: report, status: 'pending' };
  clocks.recovery = { dueAt: recovery, status: 'pending' };
  clocks.acknowledgement = { dueAt: ack, status: 'pending', step: 0 };
  const reminder = ms(report) > ms(pagedAt) ? scheduleReportReminder(clocks, policy, base, report) : [];
  return [
    { type: 'startDeadline', params: { kind: 'report', dueAt: report } },
    ...reminder,
    { type: 'startDeadline', params: { kind: 'recovery', dueAt: recovery } },
    { type: 'startDeadline', params: { kind: 'acknowledgement', dueAt: ack, step: 0 } },
  ];
}

function nonBlank(s: unknown, max = 20_000): boolean {
  return typeof s === 'string' && s.trim().length > 0 && s.length <= max;
}

function validImpact(i: unknown): i is Impact {
  if (!i || typeof i !== 'object') return false;
  const v = i as Record<string, unknown>;
  return ['confidentiality', 'integrity', 'availability'].every((k) => Number.isInteger(v[k]) && (v[k] as number) >= 1 && (v[k] as number) <= 4);
}

function ms(iso: string): number {
  return new Date(iso).getTime();
}

const noop = () => undefined;

export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentEvent,
    input: {} as IncidentInput,
  },
  actions: {
    // Effect descriptions: executed by the application, never by the machine.
    notify: (_: unknown, _params: NotifyParams) => noop(),
    startDeadline: (_: unknown, _params: StartDeadlineParams) => noop(),
    meetDeadline: (_: unknown, _params: DeadlineRefParams) => noop(),
    cancelDeadlines: (_: unknown, _params: CancelDeadlinesParams) => noop(),
    timeline: (_: unknown, _params: TimelineParams) => noop(),
    recordReport: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'REPORT_TO_AUTHORITY') return;
      const dueAt = addDuration(event.at, clockDuration(context.policy, 'superior_review', context.level), context.policy.timezone);
      const report = {
        at: event.at,
        by: event.actor.id,
        level: context.level,
        channel: event.channel,
        externalReference: event.externalReference ?? null,
        fallbackReason: event.fallbackReason ?? null,
      };
      const clocks: Clocks = {
        ...context.clocks,
        ...(context.clocks.report?.status === 'pending' ? { report: { ...context.clocks.report, status: 'met' as const } } : {}),
        ...(context.hasSuperior ? { superior_review: { dueAt, status: 'pending' as const } } : {}),
      };
      const reminder = cancelReportReminder(clocks);
      enqueue.assign({
        authority: {
          ...context.authority,
          status: 'reported',
          reportedLevel: context.level,
          reports: [...context.authority.reports, report],
          review: null,
        },
        clocks,
      });
      enqueue({ type: 'meetDeadline', params: { kind: 'report' } });
      for (const effect of reminder) enqueue(effect);
      if (context.hasSuperior) {
        enqueue({ type: 'startDeadline', params: { kind: 'superior_review', dueAt } });
        enqueue({ type: 'notify', params: { template: 'authority.review_requested', audience: [{ kind: 'superiorReviewers' }] } });
      }
      enqueue({
        type: 'timeline',
        params: {
          entry: 'reported_to_authority',
          data: { channel: event.channel, level: context.level, fallback: event.fallbackReason ?? null },
        },
      });
    }),
    /**
     * The superior agency's review decides the level (it reviews the level, article 10): another
     * level than the reported one becomes the incident's, with the clocks that follow the level;
     * the authority has it already, so no new report is owed. Turning major engages the CISO.
     */
    recordReview: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'AUTHORITY_REVIEWED') return;
      const from = context.level;
      const level = event.level;
      const clocks: Clocks =
        context.clocks.superior_review?.status === 'pending'
          ? { ...context.clocks, superior_review: { ...context.clocks.superior_review, status: 'met' } }
          : { ...context.clocks };
      const levelEffects = level !== from ? clocksForLevel(context, clocks, level) : [];
      enqueue.assign({
        level,
        reviewedLevel: level,
        authority: {
          ...context.authority,
          status: 'reviewed',
          reportedLevel: level,
          review: { at: event.at, by: event.actor.id, level, note: event.note },
        },
        clocks,
      });
      enqueue({ type: 'meetDeadline', params: { kind: 'superior_review' } });
      for (const effect of levelEffects) enqueue(effect);
      enqueue({ type: 'timeline', params: { entry: 'authority_reviewed', data: { level, reportedLevel: from, note: event.note } } });
      enqueue({
        type: 'notify',
        params: {
          template: level === from ? 'authority.reviewed' : 'authority.level_changed',
          audience: [
            { kind: 'role', role: 'on_call_manager' },
            { kind: 'role', role: 'ciso' },
          ],
        },
      });
      if (isMajor(level) && !isMajor(from)) enqueue({ type: 'notify', params: { template: 'incident.major', audience: [{ kind: 'role', role: 'ciso' }] } });
    }),
    recordConclusion: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'LE_CONCLUDED') return;
      enqueue.assign({ lawEnforcement: { ...context.lawEnforcement, status: 'concluded', concludedAt: event.at, note: event.note } });
      enqueue({ type: 'timeline', params: { entry: 'law_enforcement_concluded', data: { note: event.note } } });
    }),
    recordImprovementReport: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SUBMIT_IMPROVEMENT_REPORT') return;
      enqueue.assign({
        improvementReport: { at: event.at, by: event.actor.id, rootCause: event.rootCause, measures: event.measures, schedule: event.schedule },
        clocks:
          context.clocks.improvement_report?.status === 'pending'
            ? { ...context.clocks, improvement_report: { ...context.clocks.improvement_report, status: 'met' } }
            : context.clocks,
      });
      enqueue({ type: 'meetDeadline', params: { kind: 'improvement_report' } });
      enqueue({
        type: 'timeline',
        params: { entry: 'improvement_report_submitted', data: { rootCause: event.rootCause, measures: event.measures, schedule: event.schedule } },
      });
    }),
    close: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({
        closure: { approvedBy: event.type === 'APPROVE_CLOSURE' ? event.actor.id : null, closedAt: event.at },
        clocks: Object.fromEntries(Object.entries(context.clocks).map(([k, c]) => [k, c.status === 'pending' ? { ...c, status: 'cancelled' as const } : c])),
      });
      enqueue({ type: 'cancelDeadlines', params: { kinds: ALL_KINDS } });
      enqueue({ type: 'timeline', params: { entry: 'closed', data: { approvedBy: event.type === 'APPROVE_CLOSURE' ? event.actor.id : null } } });
      enqueue({
        type: 'notify',
        params: {
          template: 'incident.closed',
          audience: [
            { kind: 'role', role: 'on_call_manager' },
            { kind: 'user', userId: context.filedBy },
          ],
        },
      });
    }),
    /**
     * Reopened: a live incident again, paged from the first step. The round that ended is kept in
     * `earlierRounds`. A closed incident starts a new round whose clocks count from the reopening;
     * a dismissed one (never reported) was wrongly dismissed, so its clocks count from the original
     * awareness and a report already late breaches at once. Everyone told of the closure or the
     * dismissal is told of the reopening.
     */
    recordReopening: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'REOPEN') return;
      const ended: EarlierRound['ended'] = context.closure.closedAt !== null ? 'closed' : 'dismissed';
      const clockBase = ended === 'closed' ? event.at : context.clockBase;
      const clocks: Clocks = { ...context.clocks };
      const deadlines = openingClocks(clocks, context.policy, context.level, clockBase, event.at);
      const firstStep = context.policy.escalation.steps[0]!;
      const round: EarlierRound = {
        reopenedAt: event.at,
        ended,
        level: context.level,
        response: context.response,
        lawEnforcement: context.lawEnforcement,
        improvementReport: context.improvementReport,
        closure: context.closure,
        dismissal: ended === 'dismissed' ? context.dismissal : null,
      };
      enqueue.assign({
        reopenings: [...context.reopenings, { at: event.at, by: event.actor.id, reason: event.reason }],
        earlierRounds: [...context.earlierRounds, round],
        clockBase,
        clocks,
        paging: UNACKNOWLEDGED,
        authority: { ...context.authority, status: 'pending', reportedLevel: null },
        response: { containedAt: null, containmentSummary: null, recoveredAt: null, recoverySummary: null },
        lawEnforcement: EMPTY_LAW_ENFORCEMENT,
        improvementReport: null,
        closure: { approvedBy: null, closedAt: null },
        dismissal: null,
      });
      for (const effect of deadlines) enqueue(effect);
      enqueue({ type: 'timeline', params: { entry: 'reopened', data: { reason: event.reason, ended, clocksFrom: clockBase } } });
      enqueue({
        type: 'notify',
        params: {
          template: 'incident.reopened',
          audience: [
            { kind: 'role', role: 'on_call_manager' },
            { kind: 'role', role: 'ciso' },
            { kind: 'user', userId: context.filedBy },
          ],
        },
      });
      enqueue({ type: 'notify', params: { template: 'incident.paged', audience: [{ kind: 'escalationTarget', target: firstStep.target }] } });
    }),
  },
  guards: {
    /** The actor's role and agency allow this event (least privilege, EVENT_ROLES). */
    actorAllowed: ({ context, event }) => event.type !== 'DEADLINE_PASSED' && actorMaySend(event.type as ClientEventType, event.actor, context.hasSuperior),
    isSystem: ({ event }) => event.actor.relation === 'system',
    validTriage: ({ event }) =>
      event.type === 'TRIAGE' &&
      validImpact(event.impact) &&
      Object.hasOwn(CATEGORIES, event.category) &&
      (event.subcategory === undefined || (CATEGORIES[event.category] as readonly string[]).includes(event.subcategory)),
    hasReason: ({ event }) => 'reason' in event && nonBlank(event.reason),
    hasSummary: ({ event }) => 'summary' in event && nonBlank(event.summary),
    hasNote: ({ event }) => 'note' in event && nonBlank(event.note),
    notAcknowledged: ({ context }) => context.paging.acknowledgedBy === null,
    /** A report through a fallback channel records why; an agency without a superior records the authority's reference. */
    validReport: ({ context, event }) => {
      if (event.type !== 'REPORT_TO_AUTHORITY' || !REPORT_CHANNELS.includes(event.channel)) return false;
      const fallback = !NORMAL_CHANNELS.includes(event.channel);
      if (fallback && !nonBlank(event.fallbackReason)) return false;
      if (!context.hasSuperior && !fallback && !nonBlank(event.externalReference)) return false;
      return true;
    },
    validReview: ({ event }) => event.type === 'AUTHORITY_REVIEWED' && [1, 2, 3, 4].includes(event.level) && nonBlank(event.note),
    /** A reclassification changes the impact (an identical one has nothing to change). */
    validReclassify: ({ context, event }) =>
      event.type === 'RECLASSIFY' && validImpact(event.impact) && nonBlank(event.reason) && !sameImpact(event.impact, context.impact),
    validContact: ({ event }) =>
      event.type === 'LE_CONTACTED' && ['prosecutor', 'police', 'investigation_bureau'].includes(event.lawEnforcementAgency) && nonBlank(event.officer, 200),
    validHandover: ({ event }) => event.type === 'LE_EVIDENCE_HANDED_OVER' && Array.isArray(event.evidenceIds) && event.evidenceIds.length > 0,
    validImprovementReport: ({ event }) =>
      event.type === 'SUBMIT_IMPROVEMENT_REPORT' &&
      nonBlank(event.rootCause) &&
      nonBlank(event.schedule) &&
      !!event.measures &&
      Object.values(event.measures).some((m) => nonBlank(m)),
    isMajor: ({ context }) => isMajor(context.level),
    /** The deadline the event names is the one still pending (a met or replaced clock never fires). */
    deadlinePending: ({ context, event }) =>
      event.type === 'DEADLINE_PASSED' && context.clocks[event.kind]?.status === 'pending' && context.clocks[event.kind]?.dueAt === event.dueAt,
    isAcknowledgementDeadline: ({ event }) => event.type === 'DEADLINE_PASSED' && event.kind === 'acknowledgement',
    isReminderDeadline: ({ event }) => event.type === 'DEADLINE_PASSED' && event.kind === 'report_due_soon',
    /** The report to the authority is still owed and its clock has not run out: a reminder is worth sending. */
    reportStillDue: ({ context, event }) =>
      context.authority.status === 'pending' && context.clocks.report?.status === 'pending' && ms(event.at) < ms(context.clocks.report.dueAt),
    /** The authority has the current level: reported at it (or reviewed). */
    authorityCurrent: ({ context }) => context.authority.status !== 'pending' && context.authority.reportedLevel === context.level,
    authorityStale: ({ context }) => context.authority.reportedLevel !== null && context.authority.reportedLevel !== context.level,
  },
}).createMachine({
  id: 'incident',
  context: ({ input }) => ({
    agencyId: input.agencyId,
    hasSuperior: input.hasSuperior,
    // The policy as the incident runs on it, the reminder's lead spelled out.
    policy: { ...input.policy, reportReminderLead: input.policy.reportReminderLead ?? DEFAULT_REPORT_REMINDER_LEAD },
    impact: input.impact,
    level: levelOf(input.impact),
    reviewedLevel: null,
    category: input.category,
    subcategory: input.subcategory ?? null,
    isDrill: input.isDrill,
    awareAt: input.awareAt,
    filedAt: input.filedAt,
    filedBy: input.filedBy,
    clockBase: input.awareAt,
    triagedAt: null,
    clocks: {},
    paging: UNACKNOWLEDGED,
    authority: { status: 'pending', reportedLevel: null, reports: [], review: null },
    response: { containedAt: null, containmentSummary: null, recoveredAt: null, recoverySummary: null },
    lawEnforcement: EMPTY_LAW_ENFORCEMENT,
    improvementReport: null,
    closure: { approvedBy: null, closedAt: null },
    dismissal: null,
    reopenings: [],
    earlierRounds: [],
    breaches: [],
  }),
  // Filing: the report and recovery clocks start from awareness (知悉), the first escalation step is paged.
  entry: enqueueActions(({ context, enqueue }) => {
    const { policy, level, awareAt, filedAt } = context;
    const firstStep = policy.escalation.steps[0]!;
    const clocks: Clocks = {};
    const deadlines = openingClocks(clocks, policy, level, awareAt, filedAt);
    enqueue.assign({ clocks });
    for (const effect of deadlines) enqueue(effect);
    enqueue({
      type: 'notify',
      params: {
        template: 'incident.filed',
        audience: [
          { kind: 'role', role: 'on_call_manager' },
          { kind: 'unitType', unitType: 'it' },
        ],
      },
    });
    enqueue({ type: 'notify', params: { template: 'incident.paged', audience: [{ kind: 'escalationTarget', target: firstStep.target }] } });
    if (isMajor(level)) enqueue({ type: 'notify', params: { template: 'incident.major', audience: [{ kind: 'role', role: 'ciso' }] } });
    enqueue({ type: 'timeline', params: { entry: 'filed', data: { level, awareAt } } });
  }),
  initial: 'open',
  states: {
    open: {
      initial: 'reported',
      on: {
        ACKNOWLEDGE: {
          guard: and(['actorAllowed', 'notAcknowledged']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.assign({
              paging: {
                ...context.paging,
                acknowledgedBy: event.actor.id,
                acknowledgedAt: event.at,
                acknowledgedVia: event.type === 'ACKNOWLEDGE' ? (event.via ?? 'ACKNOWLEDGE') : null,
              },
              clocks:
                context.clocks.acknowledgement?.status === 'pending'
                  ? { ...context.clocks, acknowledgement: { ...context.clocks.acknowledgement, status: 'met' } }
                  : context.clocks,
            });
            enqueue({ type: 'meetDeadline', params: { kind: 'acknowledgement' } });
            enqueue({ type: 'notify', params: { template: 'incident.acknowledged', audience: [{ kind: 'role', role: 'on_call_manager' }] } });
            const via = event.type === 'ACKNOWLEDGE' && event.via ? { via: event.via } : {};
            enqueue({ type: 'timeline', params: { entry: 'acknowledged', data: { by: event.actor.id, step: context.paging.step, ...via } } });
          }),
        },
        RECLASSIFY: {
          guard: and(['actorAllowed', 'validReclassify']),
          actions: enqueueActions(({ context, event, enqueue }) => {
            if (event.type !== 'RECLASSIFY') return;
            const level = levelWithin(event.impact, context.reviewedLevel);
            const changed = level !== context.level;
            const clocks = { ...context.clocks };
            enqueue.assign({ impact: event.impact, level });
            enqueue({ type: 'timeline', params: { entry: 'reclassified', data: { from: context.level, to: level, reason: event.reason } } });
            if (!changed) return;
            const zone = context.policy.timezone;
            // A level change is reported again: the report clock restarts for the new report.
            if (context.authority.reportedLevel !== null) {
              enqueue.assign({ authority: { ...context.authority, status: 'pending' } });
              const report = addDuration(event.at, clockDuration(context.policy, 'report', level), zone);
              clocks.report = { dueAt: report, status: 'pending' };
              if (clocks.superior_review?.status === 'pending') clocks.superior_review = { ...clocks.superior_review, status: 'cancelled' };
              enqueue({ type: 'cancelDeadlines', params: { kinds: ['superior_review'] } });
              enqueue({ type: 'startDeadline', params: { kind: 'report', dueAt: report } });
              for (const effect of scheduleReportReminder(clocks, context.policy, event.at, report)) enqueue(effect);
            } else if (clocks.report?.status === 'pending') {
              const report = addDuration(context.clockBase, clockDuration(context.policy, 'report', level), zone);
              clocks.report = { dueAt: report, status: 'pending' };
              enqueue({ type: 'startDeadline', params: { kind: 'report', dueAt: report } });
              for (const effect of scheduleReportReminder(clocks, context.policy, context.clockBase, report)) enqueue(effect);
            }
            // The recovery and improvement-report clocks run at the new level's length.
            for (const effect of clocksForLevel(context, clocks, level)) enqueue(effect);
            enqueue.assign({ clocks });
            enqueue({
              type: 'notify',
              params: {
                template: 'incident.reclassified',
                audience: [{ kind: 'role', role: 'on_call_manager' }, ...(isMajor(level) ? [{ kind: 'role' as const, role: 'ciso' }] : [])],
              },
            });
          }),
        },
        DEADLINE_PASSED: [
          {
            // Paging: an unacknowledged page moves to the next escalation step, repeating up to the policy's limit.
            guard: and(['isSystem', 'deadlinePending', 'isAcknowledgementDeadline', 'notAcknowledged']),
            actions: enqueueActions(({ context, event, enqueue }) => {
              const steps = context.policy.escalation.steps;
              const nextStep = (context.paging.step + 1) % steps.length;
              const round = context.paging.round + (nextStep === 0 ? 1 : 0);
              const clocks = { ...context.clocks, acknowledgement: { ...context.clocks.acknowledgement!, status: 'breached' as const } };
              if (round > context.policy.escalation.repeat) {
                enqueue.assign({ clocks, paging: { ...context.paging, exhausted: true } });
                enqueue({
                  type: 'notify',
                  params: {
                    template: 'incident.paging_exhausted',
                    audience: [
                      { kind: 'role', role: 'ciso' },
                      { kind: 'role', role: 'admin' },
                    ],
                  },
                });
                enqueue({ type: 'timeline', params: { entry: 'paging_exhausted', data: { rounds: round } } });
                return;
              }
              const step = steps[nextStep]!;
              const dueAt = addDuration(event.at, step.timeout, context.policy.timezone);
              enqueue.assign({
                clocks: { ...clocks, acknowledgement: { dueAt, status: 'pending', step: nextStep } },
                paging: { ...context.paging, step: nextStep, round },
              });
              enqueue({ type: 'startDeadline', params: { kind: 'acknowledgement', dueAt, step: nextStep } });
              enqueue({ type: 'notify', params: { template: 'incident.paged', audience: [{ kind: 'escalationTarget', target: step.target }] } });
              enqueue({ type: 'timeline', params: { entry: 'paged', data: { step: nextStep, round, target: step.target } } });
            }),
          },
          {
            // The report is due soon and not made yet: the people who must report are reminded. Nothing is late: no breach.
            guard: and(['isSystem', 'deadlinePending', 'isReminderDeadline', 'reportStillDue']),
            actions: enqueueActions(({ context, enqueue }) => {
              const report = context.clocks.report!;
              enqueue.assign({ clocks: { ...context.clocks, report_due_soon: { ...context.clocks.report_due_soon!, status: 'fired' } } });
              enqueue({
                type: 'notify',
                params: {
                  template: 'deadline.report_due_soon',
                  // Those who may send REPORT_TO_AUTHORITY: the on-call manager (the person on call now) and the CISO.
                  audience: [
                    { kind: 'escalationTarget', target: 'on_call_manager' },
                    { kind: 'role', role: 'ciso' },
                  ],
                },
              });
              enqueue({ type: 'timeline', params: { entry: 'report_due_soon', data: { dueAt: report.dueAt } } });
            }),
          },
          {
            // A reporting clock breached: recorded (how late), escalated to the CISO and the deputy head (article 11).
            guard: and(['isSystem', 'deadlinePending', not('isAcknowledgementDeadline'), not('isReminderDeadline')]),
            actions: enqueueActions(({ context, event, enqueue }) => {
              if (event.type !== 'DEADLINE_PASSED') return;
              const clock = context.clocks[event.kind]!;
              const clocks: Clocks = { ...context.clocks, [event.kind]: { ...clock, status: 'breached' } };
              // The report clock ran out: its reminder (if it never went off) has nothing left to remind of.
              const reminder = event.kind === 'report' ? cancelReportReminder(clocks) : [];
              enqueue.assign({
                clocks,
                breaches: [...context.breaches, { kind: event.kind, dueAt: clock.dueAt, at: event.at, lateByMs: ms(event.at) - ms(clock.dueAt) }],
              });
              for (const effect of reminder) enqueue(effect);
              enqueue({
                type: 'notify',
                params: {
                  template: 'deadline.breached',
                  audience: [
                    { kind: 'role', role: 'ciso' },
                    { kind: 'escalationTarget', target: 'deputy_head' },
                    { kind: 'role', role: 'on_call_manager' },
                    // The superior agency is the one late on its review: its reviewers hear of it too.
                    ...(event.kind === 'superior_review' ? [{ kind: 'superiorReviewers' as const }] : []),
                  ],
                },
              });
              enqueue({ type: 'timeline', params: { entry: 'deadline_breached', data: { kind: event.kind, dueAt: clock.dueAt } } });
            }),
          },
        ],
      },
      states: {
        reported: {
          on: {
            TRIAGE: {
              target: 'responding',
              guard: and(['actorAllowed', 'validTriage']),
              actions: enqueueActions(({ context, event, enqueue }) => {
                if (event.type !== 'TRIAGE') return;
                const level = levelWithin(event.impact, context.reviewedLevel);
                enqueue.assign({ impact: event.impact, level, category: event.category, subcategory: event.subcategory ?? null, triagedAt: event.at });
                enqueue({ type: 'timeline', params: { entry: 'triaged', data: { level, category: event.category } } });
                enqueue({
                  type: 'notify',
                  params: {
                    template: 'incident.triaged',
                    audience: [{ kind: 'role', role: 'responder' }, ...(isMajor(level) ? [{ kind: 'role' as const, role: 'ciso' }] : [])],
                  },
                });
                if (level !== context.level) {
                  // Triage fixes the level before the first report: the open clocks follow it.
                  const zone = context.policy.timezone;
                  const clocks = { ...context.clocks };
                  for (const kind of ['report', 'recovery'] as const) {
                    if (clocks[kind]?.status !== 'pending') continue;
                    const dueAt = addDuration(context.clockBase, clockDuration(context.policy, kind, level), zone);
                    clocks[kind] = { dueAt, status: 'pending' };
                    enqueue({ type: 'startDeadline', params: { kind, dueAt } });
                    if (kind === 'report') for (const effect of scheduleReportReminder(clocks, context.policy, context.clockBase, dueAt)) enqueue(effect);
                  }
                  enqueue.assign({ clocks });
                }
              }),
            },
            DISMISS: {
              target: '#incident.dismissed',
              guard: and(['actorAllowed', 'hasReason']),
              actions: enqueueActions(({ context, event, enqueue }) => {
                if (event.type !== 'DISMISS') return;
                enqueue.assign({
                  dismissal: { at: event.at, by: event.actor.id, reason: event.reason },
                  clocks: Object.fromEntries(Object.entries(context.clocks).map(([k, c]) => [k, c.status === 'pending' ? { ...c, status: 'cancelled' } : c])),
                });
                enqueue({ type: 'cancelDeadlines', params: { kinds: ALL_KINDS } });
                enqueue({ type: 'timeline', params: { entry: 'dismissed', data: { reason: event.reason } } });
                enqueue({
                  type: 'notify',
                  params: {
                    template: 'incident.dismissed',
                    audience: [
                      { kind: 'role', role: 'on_call_manager' },
                      { kind: 'user', userId: context.filedBy },
                    ],
                  },
                });
              }),
            },
          },
        },
        responding: {
          type: 'parallel',
          always: {
            target: 'review',
            guard: and([
              stateIn('#incident.open.responding.response.recovered'),
              'authorityCurrent',
              or([stateIn('#incident.open.responding.lawEnforcement.not_required'), stateIn('#incident.open.responding.lawEnforcement.concluded')]),
            ]),
          },
          states: {
            response: {
              initial: 'containing',
              states: {
                containing: {
                  on: {
                    CONTAINED: {
                      target: 'recovering',
                      guard: and(['actorAllowed', 'hasSummary']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'CONTAINED') return;
                        enqueue.assign({ response: { ...context.response, containedAt: event.at, containmentSummary: event.summary } });
                        enqueue({ type: 'timeline', params: { entry: 'contained', data: { summary: event.summary } } });
                      }),
                    },
                  },
                },
                recovering: {
                  on: {
                    RECOVERED: {
                      target: 'recovered',
                      guard: and(['actorAllowed', 'hasSummary']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'RECOVERED') return;
                        const dueAt = addDuration(event.at, clockDuration(context.policy, 'improvement_report', context.level), context.policy.timezone);
                        enqueue.assign({
                          response: { ...context.response, recoveredAt: event.at, recoverySummary: event.summary },
                          clocks: {
                            ...context.clocks,
                            ...(context.clocks.recovery?.status === 'pending' ? { recovery: { ...context.clocks.recovery, status: 'met' as const } } : {}),
                            improvement_report: { dueAt, status: 'pending' },
                          },
                        });
                        enqueue({ type: 'meetDeadline', params: { kind: 'recovery' } });
                        enqueue({ type: 'startDeadline', params: { kind: 'improvement_report', dueAt } });
                        enqueue({ type: 'timeline', params: { entry: 'recovered', data: { summary: event.summary } } });
                        enqueue({ type: 'notify', params: { template: 'incident.recovered', audience: [{ kind: 'role', role: 'on_call_manager' }] } });
                      }),
                    },
                  },
                },
                recovered: { type: 'final' },
              },
            },
            authority: {
              initial: 'pending',
              states: {
                pending: {
                  on: {
                    REPORT_TO_AUTHORITY: {
                      target: 'reported',
                      guard: and(['actorAllowed', 'validReport']),
                      actions: 'recordReport',
                    },
                  },
                },
                reported: {
                  always: { target: 'pending', guard: 'authorityStale' },
                  on: {
                    AUTHORITY_REVIEWED: {
                      target: 'reviewed',
                      guard: and(['actorAllowed', 'validReview']),
                      actions: 'recordReview',
                    },
                  },
                },
                reviewed: {
                  always: { target: 'pending', guard: 'authorityStale' },
                },
              },
            },
            lawEnforcement: {
              initial: 'undecided',
              states: {
                undecided: {
                  on: {
                    LE_NOT_REQUIRED: {
                      target: 'not_required',
                      guard: and(['actorAllowed', 'hasReason']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'LE_NOT_REQUIRED') return;
                        enqueue.assign({ lawEnforcement: { ...context.lawEnforcement, status: 'not_required', reason: event.reason } });
                        enqueue({ type: 'timeline', params: { entry: 'law_enforcement_not_required', data: { reason: event.reason } } });
                      }),
                    },
                    LE_REQUEST: {
                      target: 'requested',
                      guard: and(['actorAllowed', 'hasReason']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'LE_REQUEST') return;
                        enqueue.assign({ lawEnforcement: { ...context.lawEnforcement, status: 'requested', reason: event.reason, requestedAt: event.at } });
                        enqueue({ type: 'timeline', params: { entry: 'law_enforcement_requested', data: { reason: event.reason } } });
                        enqueue({
                          type: 'notify',
                          params: {
                            template: 'law_enforcement.requested',
                            audience: [
                              { kind: 'role', role: 'ethics_officer' },
                              { kind: 'role', role: 'ciso' },
                            ],
                          },
                        });
                      }),
                    },
                  },
                },
                not_required: {},
                requested: {
                  on: {
                    LE_CONTACTED: {
                      target: 'contacted',
                      guard: and(['actorAllowed', 'validContact']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'LE_CONTACTED') return;
                        enqueue.assign({
                          lawEnforcement: {
                            ...context.lawEnforcement,
                            status: 'contacted',
                            agency: event.lawEnforcementAgency,
                            officer: event.officer,
                            caseNumber: event.caseNumber ?? null,
                            contactedAt: event.at,
                          },
                        });
                        enqueue({
                          type: 'timeline',
                          params: {
                            entry: 'law_enforcement_contacted',
                            data: { agency: event.lawEnforcementAgency, officer: event.officer, caseNumber: event.caseNumber ?? null },
                          },
                        });
                        enqueue({
                          type: 'notify',
                          params: {
                            template: 'law_enforcement.contacted',
                            audience: [
                              { kind: 'role', role: 'ciso' },
                              { kind: 'role', role: 'ethics_officer' },
                            ],
                          },
                        });
                      }),
                    },
                  },
                },
                contacted: {
                  on: {
                    LE_EVIDENCE_HANDED_OVER: {
                      target: 'evidence_handed_over',
                      guard: and(['actorAllowed', 'validHandover']),
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        if (event.type !== 'LE_EVIDENCE_HANDED_OVER') return;
                        enqueue.assign({
                          lawEnforcement: { ...context.lawEnforcement, status: 'evidence_handed_over', evidenceIds: event.evidenceIds, handedOverAt: event.at },
                        });
                        enqueue({ type: 'timeline', params: { entry: 'evidence_handed_over', data: { evidenceIds: event.evidenceIds } } });
                      }),
                    },
                    LE_CONCLUDED: { target: 'concluded', guard: and(['actorAllowed', 'hasNote']), actions: 'recordConclusion' },
                  },
                },
                evidence_handed_over: {
                  on: {
                    LE_CONCLUDED: { target: 'concluded', guard: and(['actorAllowed', 'hasNote']), actions: 'recordConclusion' },
                  },
                },
                concluded: {},
              },
            },
          },
        },
        review: {
          initial: 'awaiting_report',
          on: {
            // A level changed during review is reported again before closing.
            REPORT_TO_AUTHORITY: {
              guard: and(['actorAllowed', 'validReport', ({ context }) => context.authority.status === 'pending']),
              actions: 'recordReport',
            },
            // The superior's review may arrive after the response is over.
            AUTHORITY_REVIEWED: {
              guard: and(['actorAllowed', 'validReview', ({ context }) => context.authority.status === 'reported']),
              actions: 'recordReview',
            },
          },
          states: {
            awaiting_report: {
              entry: enqueueActions(({ enqueue }) => {
                enqueue({ type: 'notify', params: { template: 'incident.review_due', audience: [{ kind: 'role', role: 'on_call_manager' }] } });
              }),
              on: {
                SUBMIT_IMPROVEMENT_REPORT: [
                  {
                    target: 'awaiting_approval',
                    guard: and(['actorAllowed', 'validImprovementReport', 'authorityCurrent', 'isMajor']),
                    actions: 'recordImprovementReport',
                  },
                  {
                    target: '#incident.closed',
                    guard: and(['actorAllowed', 'validImprovementReport', 'authorityCurrent', not('isMajor')]),
                    actions: ['recordImprovementReport', 'close'],
                  },
                ],
              },
            },
            // Levels 3–4: the CISO approves closure.
            awaiting_approval: {
              entry: enqueueActions(({ enqueue }) => {
                enqueue({ type: 'notify', params: { template: 'incident.approval_requested', audience: [{ kind: 'role', role: 'ciso' }] } });
              }),
              on: {
                APPROVE_CLOSURE: { target: '#incident.closed', guard: and(['actorAllowed', 'authorityCurrent']), actions: 'close' },
              },
            },
          },
        },
      },
    },
    closed: {
      on: {
        REOPEN: { target: 'open', guard: and(['actorAllowed', 'hasReason']), actions: 'recordReopening' },
      },
    },
    dismissed: {
      on: {
        REOPEN: { target: 'open', guard: and(['actorAllowed', 'hasReason']), actions: 'recordReopening' },
      },
    },
  },
});
