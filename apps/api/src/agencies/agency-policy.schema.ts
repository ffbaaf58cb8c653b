import { Duration } from 'luxon';
import * as z from 'zod';
import { Uuid } from '../common/schema.js';
import { DEFAULT_POLICY, ESCALATION_TARGETS, POLICY_CEILINGS, durationMs, type AgencyPolicyDocument } from './agency-policy.js';

/** Durations are compared from a 28-day February, so "P1M" counts at its shortest. */
export const DURATION_REFERENCE = new Date('2026-02-01T00:00:00Z');

/** RFC 3339 appendix A durations, what JSON Schema's `format: duration` means (whole units, no sign; weeks alone). */
const RFC3339_DURATION = /^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$/;

/** Whether a value is an ISO 8601 duration of whole units (bounds aside). */
export function isIsoDuration(v: unknown): v is string {
  return typeof v === 'string' && RFC3339_DURATION.test(v) && Duration.fromISO(v).isValid;
}

/** Why a value is not a duration between `min` and `max` (rule and message), or undefined when it is one. */
function durationIssue(v: unknown, min: string, max?: string): { rule: string; message: string; min?: string; max?: string } | undefined {
  if (typeof v !== 'string') return { rule: 'isISO8601Duration', message: 'must be an ISO 8601 duration string such as PT1H' };
  if (!isIsoDuration(v)) return { rule: 'isISO8601Duration', message: `must be an ISO 8601 duration of whole units such as PT1H or P14D, got "${v}"` };
  const ms = durationMs(v, DURATION_REFERENCE);
  if (!Number.isFinite(ms)) return { rule: 'max', message: 'is far too long' };
  if (ms < durationMs(min, DURATION_REFERENCE)) return { rule: 'min', min, message: `must be at least ${min}` };
  if (max && ms > durationMs(max, DURATION_REFERENCE))
    return { rule: 'max', max, message: `must not exceed ${max} (an agency may shorten a clock, never lengthen it)` };
  return undefined;
}

/**
 * An ISO 8601 duration (`PT1H`, `P14D`) of at least `min` and at most `max` (the legal ceiling); a
 * wrong type, a bad duration and a duration out of bounds are each one error naming its rule
 * (isISO8601Duration, min, max).
 */
export function IsoDuration({ max, min = 'PT1S', description }: { max?: string; min?: string; description?: string } = {}) {
  return z
    .custom<string>()
    .superRefine((v, ctx) => {
      const issue = durationIssue(v, min, max);
      if (issue) {
        const { message, ...params } = issue;
        ctx.addIssue({ code: 'custom', message, params });
      }
    })
    .meta({
      type: 'string',
      format: 'duration',
      description: [description, `ISO 8601 duration, at least ${min}${max ? `, at most ${max}` : ''}`].filter(Boolean).join('; '),
      examples: [max ?? 'PT15M'],
    });
}

const clock = (name: keyof AgencyPolicyDocument['clocks'], description: string) =>
  z
    .strictObject({
      minor: IsoDuration({ max: POLICY_CEILINGS.clocks[name].minor, description: 'levels 1–2' }),
      major: IsoDuration({ max: POLICY_CEILINGS.clocks[name].major, description: 'levels 3–4' }),
    })
    .meta({ description });

const int = (min: number, max: number, description: string) => z.int().min(min).max(max).meta({ description });

const policyShape = {
  clocks: z.strictObject({
    report: clock('report', 'from awareness to the report to the superior / national platform (article 4)'),
    superiorReview: clock('superiorReview', "the superior's review of the report"),
    recovery: clock('recovery', 'from the report to recovery (damage control)'),
    improvementReport: clock('improvementReport', 'from recovery to the investigation and improvement report'),
  }),
  acknowledgementTimeout: IsoDuration({ max: POLICY_CEILINGS.acknowledgementTimeout, description: 'how long the first page waits for ACKNOWLEDGE' }),
  reportReminderLead: IsoDuration({
    description: 'how long before the report clock runs out the reporters are reminded; shorter than the shortest report clock (rule shorterThanReportClock)',
  }),
  escalation: z.strictObject({
    steps: z
      .array(z.strictObject({ target: z.enum(ESCALATION_TARGETS), timeout: IsoDuration({ max: 'PT1H' }) }))
      .refine((steps) => steps.length >= 1 && steps.length <= 6, { params: { rule: 'arrayLength' }, message: 'must be a list of 1 to 6 steps' })
      .meta({ minItems: 1, maxItems: 6, description: 'who is paged next, in order, each after its timeout' }),
    repeat: int(0, 5, 'how many times the steps are repeated'),
  }),
  passwords: z.strictObject({
    maxAgeDays: int(1, POLICY_CEILINGS.passwords.maxAgeDays, 'maximum password age in days'),
    privilegedMaxAgeDays: int(1, POLICY_CEILINGS.passwords.privilegedMaxAgeDays, 'maximum password age of privileged roles (ciso, auditor, admin)'),
  }),
  lockout: z.strictObject({
    threshold: int(1, POLICY_CEILINGS.lockout.thresholdMax, 'failed logins that lock the account'),
    duration: IsoDuration({ min: POLICY_CEILINGS.lockout.durationMin, max: POLICY_CEILINGS.lockout.durationMax, description: 'how long a lock lasts' }),
  }),
  vendorAccountMaxDays: int(1, POLICY_CEILINGS.vendorAccountMaxDays, 'longest life of a vendor account, in days'),
};

/**
 * An agency's policy as it is read (GET): every clock of the rules, the acknowledgement timeout,
 * the escalation steps and the account rules, each duration ISO 8601 and within the law.
 */
export const AgencyPolicySchema = z.strictObject(policyShape).meta({ id: 'AgencyPolicy', examples: [DEFAULT_POLICY] });

/**
 * The policy's structure as PUT checks it: the same, except that `reportReminderLead` may be left out
 * (the default applies). The rule between fields is added in agency-policy.validate.ts
 * (AgencyPolicyBody, what PUT takes).
 */
export const AgencyPolicyShape = z.strictObject({ ...policyShape, reportReminderLead: policyShape.reportReminderLead.optional() });

/** GET (and PUT's answer): the policy with the agency and its version (also the ETag). */
export const AgencyPolicyView = z
  .strictObject({
    agencyId: Uuid,
    version: z
      .int()
      .min(0)
      .meta({ description: 'the policy version, also the ETag (send it back as If-Match); 0 while the agency has none stored (the defaults of the law)' }),
    policy: AgencyPolicySchema.meta({ description: 'the editable part: PUT /api/agencies/{id}/policy takes it back as it is' }),
  })
  .meta({ id: 'AgencyPolicyView' });
export type AgencyPolicyView = z.infer<typeof AgencyPolicyView>;
