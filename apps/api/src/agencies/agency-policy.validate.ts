import type { FieldError } from '../common/problem.js';
import { fieldErrorsOf } from '../common/schema.js';
import { DEFAULT_POLICY, durationMs, type AgencyPolicyDocument } from './agency-policy.js';
import { AgencyPolicyInput, DURATION_REFERENCE, isIsoDuration } from './agency-policy.schema.js';

type PolicyInput = ReturnType<typeof AgencyPolicyInput.parse>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The cross-field rule of a policy: a reminder lead, when given, is shorter than the shortest report
 * clock, or the "report due soon" reminder would come before the clock starts. Read from the document
 * as sent (so it is told along with its other errors); a lead that is itself invalid is told by the
 * schema, and a report clock that is not a duration is left out of the comparison. Left out, the
 * default lead applies and a report clock too short for it simply has no reminder (policies written
 * before the field existed, and clocks of seconds in drills, stay valid). `prefix` is the document's
 * path in the body (`policy.` for PUT /api/agencies/{id}/policy).
 */
export function reminderLeadErrors(document: unknown, prefix = ''): FieldError[] {
  if (!isObject(document)) return [];
  const lead = document.reportReminderLead;
  if (lead === undefined || !AgencyPolicyInput.shape.reportReminderLead.safeParse(lead).success) return [];
  const report = isObject(document.clocks) && isObject(document.clocks.report) ? [document.clocks.report.minor, document.clocks.report.major] : [];
  const shortest = report.filter(isIsoDuration).sort((a, b) => durationMs(a, DURATION_REFERENCE) - durationMs(b, DURATION_REFERENCE))[0];
  if (!shortest || durationMs(lead as string, DURATION_REFERENCE) < durationMs(shortest, DURATION_REFERENCE)) return [];
  return [
    {
      field: `${prefix}reportReminderLead`,
      rule: 'shorterThanReportClock',
      message: `${prefix}reportReminderLead must be shorter than the shortest report clock (${shortest}), or the reminder would come before the clock starts`,
    },
  ];
}

/** The document as stored: a lead left out takes the default. */
export function withReminderLead(policy: PolicyInput): AgencyPolicyDocument {
  return { ...policy, reportReminderLead: policy.reportReminderLead ?? DEFAULT_POLICY.reportReminderLead };
}

/**
 * Checks a whole policy document: its shape (AgencyPolicyInput: no unknown fields, ISO durations, no
 * clock looser than the law allows) and the cross-field rule, every error at once, each naming the
 * field and the rule. `reportReminderLead` may be left out (clients written before it existed): the
 * default is filled in.
 */
export function validatePolicy(input: unknown): { errors: FieldError[]; policy?: AgencyPolicyDocument } {
  const parsed = AgencyPolicyInput.safeParse(input);
  const errors = [...(parsed.success ? [] : fieldErrorsOf(parsed.error.issues, 'body', AgencyPolicyInput)), ...reminderLeadErrors(input)];
  if (errors.length || !parsed.success) return { errors };
  return { errors, policy: withReminderLead(parsed.data) };
}
