import { DateTime, Duration } from 'luxon';
import { isMajor, type Level } from './levels.js';

/**
 * The clock kinds of the reporting rules, the paging acknowledgement, and the reminder that the
 * report to the authority is due soon.
 */
export const DEADLINE_KINDS = ['report', 'superior_review', 'recovery', 'improvement_report', 'acknowledgement', 'report_due_soon'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];
/** The statutory clocks (a missed one is a breach): every kind but paging and reminders. */
export type RuleClockKind = Exclude<DeadlineKind, 'acknowledgement' | 'report_due_soon'>;
/** Reminders: when they go off nothing is late yet (never recorded as a breach). */
export const REMINDER_KINDS: readonly DeadlineKind[] = ['report_due_soon'];

/** How long before the report is due the "report due soon" reminder goes off, when the policy does not say. */
export const DEFAULT_REPORT_REMINDER_LEAD = 'PT15M';

export interface LevelClock {
  /** Levels 1–2. */
  minor: string;
  /** Levels 3–4 ("major"). */
  major: string;
}

/**
 * Today's law (資通安全事件通報應變及演練辦法, DESIGN.md): the reporting clocks by level. Agencies
 * may shorten them, never lengthen them.
 */
export const STATUTORY_CLOCKS: IncidentPolicy['clocks'] = {
  report: { minor: 'PT1H', major: 'PT1H' },
  superiorReview: { minor: 'PT8H', major: 'PT2H' },
  recovery: { minor: 'PT72H', major: 'PT36H' },
  improvementReport: { minor: 'P1M', major: 'P1M' },
};

/** The durations an incident runs on, taken from its agency's policy when it is filed. */
export interface IncidentPolicy {
  clocks: { report: LevelClock; superiorReview: LevelClock; recovery: LevelClock; improvementReport: LevelClock };
  acknowledgementTimeout: string;
  escalation: { steps: Array<{ target: string; timeout: string }>; repeat: number };
  timezone: string;
  /**
   * How long before the report clock runs out the people who must report are reminded (ISO 8601).
   * Absent from policies written before the reminder existed: DEFAULT_REPORT_REMINDER_LEAD.
   */
  reportReminderLead?: string;
}

const CLOCK_OF: Record<RuleClockKind, keyof IncidentPolicy['clocks']> = {
  report: 'report',
  superior_review: 'superiorReview',
  recovery: 'recovery',
  improvement_report: 'improvementReport',
};

/** The ISO duration of a clock for a level. */
export function clockDuration(policy: IncidentPolicy, kind: RuleClockKind, level: Level): string {
  const clock = policy.clocks[CLOCK_OF[kind]];
  return isMajor(level) ? clock.major : clock.minor;
}

function parse(iso: string): Duration {
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) throw new Error(`not an ISO 8601 duration: ${iso}`);
  return duration;
}

/**
 * An instant plus an ISO 8601 duration; calendar parts (months, days) count in the agency's time
 * zone, so "one month from recovery" lands on the same local date. Pure: no clock is read.
 */
export function addDuration(fromIso: string, iso: string, zone: string): string {
  return DateTime.fromISO(fromIso, { zone }).plus(parse(iso)).toUTC().toISO()!;
}

/**
 * When the "report due soon" reminder of a report clock started at `startIso` and due at
 * `reportDueIso` goes off: the policy's lead before the due time, or null when that instant is not
 * after the clock's start (a lead as long as the clock itself reminds of nothing).
 */
export function reportReminderAt(policy: IncidentPolicy, startIso: string, reportDueIso: string): string | null {
  const lead = parse(policy.reportReminderLead ?? DEFAULT_REPORT_REMINDER_LEAD);
  const at = DateTime.fromISO(reportDueIso, { zone: policy.timezone }).minus(lead).toUTC();
  return at.toMillis() > Date.parse(startIso) ? at.toISO()! : null;
}
