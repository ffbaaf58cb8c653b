import * as z from 'zod';
import type { FieldError } from '../common/problem.js';
import { fieldErrorsOf } from '../common/schema.js';
import { DEFAULT_POLICY, durationMs, type AgencyPolicyDocument } from './agency-policy.js';
import { AgencyPolicyShape, DURATION_REFERENCE, isIsoDuration } from './agency-policy.schema.js';

type PolicyInput = z.output<typeof AgencyPolicyShape>;

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
  if (lead === undefined || !AgencyPolicyShape.shape.reportReminderLead.safeParse(lead).success) return [];
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

/**
 * PUT /api/agencies/{id}/policy: the `policy` of GET, edited: its structure (AgencyPolicyShape: no
 * unknown fields, ISO durations, no clock looser than the law allows) and the rule between fields,
 * told together with the structure's errors (`when`: the rule also runs on a body with other errors).
 */
export const AgencyPolicyBody = AgencyPolicyShape.superRefine(
  (policy, ctx) => {
    for (const e of reminderLeadErrors(policy))
      ctx.addIssue({ code: 'custom', path: [e.field], params: { rule: e.rule }, message: e.message.slice(e.field.length + 1) });
  },
  { when: () => true },
).meta({ id: 'AgencyPolicyInput', examples: [DEFAULT_POLICY] });
export type AgencyPolicyBody = z.output<typeof AgencyPolicyBody>;

/** The document as stored: a lead left out takes the default. */
export function withReminderLead(policy: PolicyInput): AgencyPolicyDocument {
  return { ...policy, reportReminderLead: policy.reportReminderLead ?? DEFAULT_POLICY.reportReminderLead };
}

/**
 * Checks a whole policy document (AgencyPolicyBody), every error at once, each naming the field and
 * the rule. `reportReminderLead` may be left out (clients written before it existed): the default is
 * filled in.
 */
export function validatePolicy(input: unknown): { errors: FieldError[]; policy?: AgencyPolicyDocument } {
  const parsed = AgencyPolicyBody.safeParse(input);
  if (!parsed.success) return { errors: fieldErrorsOf(parsed.error.issues, 'body', AgencyPolicyBody) };
  return { errors: [], policy: withReminderLead(parsed.data) };
}
