import { DateTime, Duration } from 'luxon';
import { isMajor, type Level } from './levels.js';

/** The clock kinds of the reporting rules, plus the paging acknowledgement. */
export const DEADLINE_KINDS = ['report', 'superior_review', 'recovery', 'improvement_report', 'acknowledgement'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export interface LevelClock {
  minor: string;
  major: string;
}

/** The durations an incident runs on, taken from its agency's policy when it is filed. */
export interface IncidentPolicy {
  clocks: { report: LevelClock; superiorReview: LevelClock; recovery: LevelClock; improvementReport: LevelClock };
  acknowledgementTimeout: string;
  escalation: { steps: Array<{ target: string; timeout: string }>; repeat: number };
  timezone: string;
}

const CLOCK_OF: Record<Exclude<DeadlineKind, 'acknowledgement'>, keyof IncidentPolicy['clocks']> = {
  report: 'report',
  superior_review: 'superiorReview',
  recovery: 'recovery',
  improvement_report: 'improvementReport',
};

/** The ISO duration of a clock for a level. */
export function clockDuration(policy: IncidentPolicy, kind: Exclude<DeadlineKind, 'acknowledgement'>, level: Level): string {
  const clock = policy.clocks[CLOCK_OF[kind]];
  return isMajor(level) ? clock.major : clock.minor;
}

/**
 * An instant plus an ISO 8601 duration; calendar parts (months, days) count in the agency's time
 * zone, so "one month from recovery" lands on the same local date. Pure: no clock is read.
 */
export function addDuration(fromIso: string, iso: string, zone: string): string {
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) throw new Error(`not an ISO 8601 duration: ${iso}`);
  return DateTime.fromISO(fromIso, { zone }).plus(duration).toUTC().toISO()!;
}
