import { Duration } from 'luxon';
import type { FieldError } from '../common/problem.js';
import { DEFAULT_POLICY, POLICY_CEILINGS, durationMs, type AgencyPolicyDocument, type EscalationTarget } from './agency-policy.js';

const TARGETS: readonly EscalationTarget[] = ['on_call_manager', 'it_unit_head', 'ciso', 'deputy_head'];
const REFERENCE = new Date('2026-02-01T00:00:00Z'); // a 28-day February: "P1M" is compared at its shortest

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a whole policy document: shape, no unknown fields, ISO durations, and that no clock is
 * looser than the law allows. Returns every error found, each naming the field and the rule.
 * `reportReminderLead` may be left out (clients written before it existed): the default is filled in.
 */
export function validatePolicy(input: unknown): { errors: FieldError[]; policy?: AgencyPolicyDocument } {
  const errors: FieldError[] = [];
  const err = (field: string, rule: string, message: string): void => {
    errors.push({ field, rule, message });
  };

  const obj = (v: unknown, field: string, keys: string[]): Json | undefined => {
    if (!isObject(v)) {
      err(field, 'isObject', `${field} must be an object`);
      return undefined;
    }
    for (const k of Object.keys(v)) {
      const path = field === 'body' ? k : `${field}.${k}`;
      if (!keys.includes(k)) err(path, 'whitelist', `property ${path} is not allowed`);
    }
    return v;
  };
  const dur = (v: unknown, field: string, max?: string, min = 'PT1S'): void => {
    if (typeof v !== 'string') return err(field, 'isISO8601Duration', `${field} must be an ISO 8601 duration string such as PT1H`);
    const d = Duration.fromISO(v);
    if (!d.isValid) return err(field, 'isISO8601Duration', `${field} must be an ISO 8601 duration such as PT1H, got "${v}"`);
    const parts = d.toObject();
    if ([parts.years, parts.months, parts.weeks, parts.days].some((n) => n !== undefined && !Number.isInteger(n))) {
      return err(field, 'isISO8601Duration', `${field} must use whole years, months, weeks and days, got "${v}"`);
    }
    const ms = durationMs(v, REFERENCE);
    if (!Number.isFinite(ms)) return err(field, 'max', `${field} is far too long`);
    if (ms < durationMs(min, REFERENCE)) return err(field, 'min', `${field} must be at least ${min}`);
    if (max && ms > durationMs(max, REFERENCE)) err(field, 'max', `${field} must not exceed ${max} (an agency may shorten a clock, never lengthen it)`);
  };
  const int = (v: unknown, field: string, min: number, max: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return err(field, 'isInt', `${field} must be a whole number`);
    if (v < min) err(field, 'min', `${field} must be at least ${min}`);
    if (v > max) err(field, 'max', `${field} must not exceed ${max}`);
  };

  const root = obj(input, 'body', ['clocks', 'acknowledgementTimeout', 'reportReminderLead', 'escalation', 'passwords', 'lockout', 'vendorAccountMaxDays']);
  if (!root) return { errors };
  const clockNames = Object.keys(POLICY_CEILINGS.clocks) as Array<keyof AgencyPolicyDocument['clocks']>;
  const clocks = obj(root.clocks, 'clocks', clockNames);
  if (clocks) {
    for (const name of clockNames) {
      const clock = obj(clocks[name], `clocks.${name}`, ['minor', 'major']);
      if (!clock) continue;
      dur(clock.minor, `clocks.${name}.minor`, POLICY_CEILINGS.clocks[name].minor);
      dur(clock.major, `clocks.${name}.major`, POLICY_CEILINGS.clocks[name].major);
    }
  }
  dur(root.acknowledgementTimeout, 'acknowledgementTimeout', POLICY_CEILINGS.acknowledgementTimeout);
  // The "report due soon" reminder: positive, and when given it must go off after the report clock
  // starts. Left out, the default applies, and a report clock too short for it simply has no
  // reminder (policies written before the field existed, and clocks of seconds in drills, stay valid).
  const before = errors.length;
  if (root.reportReminderLead !== undefined) dur(root.reportReminderLead, 'reportReminderLead');
  const lead = root.reportReminderLead as string;
  const reportClocks = isObject(clocks?.report) ? [clocks.report.minor, clocks.report.major] : [];
  const shortest = reportClocks
    .filter((v): v is string => typeof v === 'string' && Duration.fromISO(v).isValid)
    .sort((a, b) => durationMs(a, REFERENCE) - durationMs(b, REFERENCE))[0];
  if (lead !== undefined && errors.length === before && shortest && durationMs(lead, REFERENCE) >= durationMs(shortest, REFERENCE)) {
    err(
      'reportReminderLead',
      'shorterThanReportClock',
      `reportReminderLead must be shorter than the shortest report clock (${shortest}), or the reminder would come before the clock starts`,
    );
  }
  const escalation = obj(root.escalation, 'escalation', ['steps', 'repeat']);
  if (escalation) {
    if (!Array.isArray(escalation.steps) || escalation.steps.length < 1 || escalation.steps.length > 6) {
      err('escalation.steps', 'arrayLength', 'escalation.steps must be a list of 1 to 6 steps');
    } else {
      escalation.steps.forEach((s, i) => {
        const step = obj(s, `escalation.steps.${i}`, ['target', 'timeout']);
        if (!step) return;
        if (!TARGETS.includes(step.target as EscalationTarget)) {
          err(`escalation.steps.${i}.target`, 'isIn', `escalation.steps.${i}.target must be one of ${TARGETS.join(', ')}`);
        }
        dur(step.timeout, `escalation.steps.${i}.timeout`, 'PT1H');
      });
    }
    int(escalation.repeat, 'escalation.repeat', 0, 5);
  }
  const passwords = obj(root.passwords, 'passwords', ['maxAgeDays', 'privilegedMaxAgeDays']);
  if (passwords) {
    int(passwords.maxAgeDays, 'passwords.maxAgeDays', 1, POLICY_CEILINGS.passwords.maxAgeDays);
    int(passwords.privilegedMaxAgeDays, 'passwords.privilegedMaxAgeDays', 1, POLICY_CEILINGS.passwords.privilegedMaxAgeDays);
  }
  const lockout = obj(root.lockout, 'lockout', ['threshold', 'duration']);
  if (lockout) {
    int(lockout.threshold, 'lockout.threshold', 1, POLICY_CEILINGS.lockout.thresholdMax);
    dur(lockout.duration, 'lockout.duration', POLICY_CEILINGS.lockout.durationMax, POLICY_CEILINGS.lockout.durationMin);
  }
  int(root.vendorAccountMaxDays, 'vendorAccountMaxDays', 1, POLICY_CEILINGS.vendorAccountMaxDays);
  if (errors.length) return { errors };
  return { errors, policy: { ...root, reportReminderLead: root.reportReminderLead ?? DEFAULT_POLICY.reportReminderLead } as unknown as AgencyPolicyDocument };
}
