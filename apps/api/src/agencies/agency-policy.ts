import { DEFAULT_REPORT_REMINDER_LEAD, STATUTORY_CLOCKS, type LevelClock } from '@app/workflows';
import { Duration } from 'luxon';

/**
 * An agency's policy: every clock of the reporting rules, the acknowledgement timeout, the
 * escalation steps, and the account rules. Durations are ISO 8601. Defaults are today's law
 * (資通安全事件通報應變及演練辦法, DESIGN.md); an agency may shorten any clock, never lengthen it.
 */
export type { LevelClock };

export const ESCALATION_TARGETS = ['on_call_manager', 'it_unit_head', 'ciso', 'deputy_head'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

export interface EscalationStep {
  target: EscalationTarget;
  timeout: string;
}

export interface AgencyPolicyDocument {
  clocks: {
    report: LevelClock;
    superiorReview: LevelClock;
    recovery: LevelClock;
    improvementReport: LevelClock;
  };
  acknowledgementTimeout: string;
  /**
   * How long before the report clock runs out the people who must report are reminded ("report
   * due soon"). Positive and shorter than the shortest report clock. Policies stored before it
   * existed read as DEFAULT_POLICY's (withPolicyDefaults).
   */
  reportReminderLead: string;
  escalation: { steps: EscalationStep[]; repeat: number };
  passwords: { maxAgeDays: number; privilegedMaxAgeDays: number };
  lockout: { threshold: number; duration: string };
  vendorAccountMaxDays: number;
}

export const DEFAULT_POLICY: AgencyPolicyDocument = {
  clocks: STATUTORY_CLOCKS,
  acknowledgementTimeout: 'PT15M',
  reportReminderLead: DEFAULT_REPORT_REMINDER_LEAD,
  escalation: {
    steps: [
      { target: 'on_call_manager', timeout: 'PT15M' },
      { target: 'it_unit_head', timeout: 'PT15M' },
      { target: 'ciso', timeout: 'PT15M' },
    ],
    repeat: 2,
  },
  passwords: { maxAgeDays: 180, privilegedMaxAgeDays: 90 },
  lockout: { threshold: 5, duration: 'PT15M' },
  vendorAccountMaxDays: 90,
};

/**
 * A stored policy document as the product reads it: fields added since it was written take their
 * defaults (a document stored before `reportReminderLead` existed gets the default lead), and a
 * limit stored before its ceiling was lowered reads within the ceiling (a stored vendor limit of
 * 365 days reads as 90; one that is not a positive number reads as the default). Every reader of
 * the policy (the API, account checks) sees the same values.
 */
export function withPolicyDefaults(stored: Partial<AgencyPolicyDocument>): AgencyPolicyDocument {
  const read = { ...DEFAULT_POLICY, ...stored };
  return { ...read, vendorAccountMaxDays: withinVendorCeiling(read.vendorAccountMaxDays) };
}

function withinVendorCeiling(stored: unknown): number {
  if (typeof stored !== 'number' || !Number.isFinite(stored) || stored < 1) return DEFAULT_POLICY.vendorAccountMaxDays;
  return Math.min(stored, POLICY_CEILINGS.vendorAccountMaxDays);
}

/** Legal ceilings: a policy may be stricter than these, never looser. */
export const POLICY_CEILINGS = {
  clocks: DEFAULT_POLICY.clocks,
  acknowledgementTimeout: 'PT1H',
  passwords: { maxAgeDays: 180, privilegedMaxAgeDays: 90 },
  lockout: { thresholdMax: 5, durationMin: 'PT5M', durationMax: 'P1D' },
  /** Vendor accounts are short-lived (article 38), capped like password ages: at most the default's 90 days. */
  vendorAccountMaxDays: DEFAULT_POLICY.vendorAccountMaxDays,
};

/** Milliseconds of an ISO duration measured from a reference instant (months are calendar months). */
export function durationMs(iso: string, from: Date = new Date(0)): number {
  const d = Duration.fromISO(iso);
  if (!d.isValid) throw new Error(`not an ISO 8601 duration: ${iso}`);
  const start = from.getTime();
  const end = new Date(start);
  // Calendar parts first (years, months, days in UTC), then fixed parts.
  const { years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0, milliseconds = 0 } = d.toObject();
  end.setUTCFullYear(end.getUTCFullYear() + years, end.getUTCMonth() + months, end.getUTCDate() + weeks * 7 + days);
  return end.getTime() - start + ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds;
}
