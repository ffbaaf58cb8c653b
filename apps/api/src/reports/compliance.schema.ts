import * as z from 'zod';
import { InstantOut, Uuid } from '../common/schema.js';

/** GET /api/reports/compliance. */
export const ComplianceQuery = z.strictObject({
  agencyId: Uuid.optional().meta({ description: "defaults to the caller's agency" }),
  year: z
    .string()
    .regex(/^(19[7-9]\d|20\d\d|2100)$/, { message: 'year must be a four-digit year from 1970 to 2100' })
    .optional()
    .meta({ examples: ['2026'], description: "defaults to the current year in the agency's time zone" }),
});
export type ComplianceQuery = z.output<typeof ComplianceQuery>;

const Count = z.int().min(0);
const Millis = z.int().min(0);
const OnTimeLatePending = { onTime: Count, late: Count, pending: Count };

const PlanComplianceSchema = z
  .strictObject({
    planId: Uuid,
    reference: z.string(),
    title: z.string().nullable().meta({ description: 'withheld (null) for plans classified AMBER or stricter, or at a sensitive/confidential level' }),
    coreServices: Count,
    drilledThisYear: z.boolean(),
    drilledLastYear: z.boolean(),
    drillInterval: z
      .string()
      .regex(/^P\d+Y$/)
      .meta({ description: 'ISO 8601 duration: every year for responsibility level A, every 2 years for the others', examples: ['P1Y'] }),
    required: z.boolean().meta({ description: 'whether a drill is due in this year' }),
    compliant: z.boolean().meta({ description: 'drilled this year, or not required to be' }),
  })
  .meta({ id: 'PlanCompliance' });

/** One clock of the rules table over the incidents of the figures (one deadline row each time the clock ran; restarted and cancelled runs are not counted). */
const ClockFiguresSchema = z
  .strictObject({
    onTime: Count.meta({ description: 'the work was done by the due time' }),
    late: Count.meta({ description: 'the work was done after the due time (the clock was breached, or met late)' }),
    lateByMs: z
      .strictObject({ total: Millis, max: Millis })
      .meta({ description: 'how late the late ones came: from the due time to the time the work was done, in milliseconds (summed, and the latest)' }),
    running: Count.meta({ description: 'not done yet and not yet due' }),
    breachedOpen: Count.meta({ description: 'due time passed and the work still not done' }),
  })
  .meta({ id: 'ClockCompliance' });

const ByType = <T extends z.ZodType>(of: T) => z.strictObject({ tabletop: of, functional: of, full_scale: of });

export const ComplianceFiguresShape = {
  agencies: Count.meta({ description: 'how many agencies these figures cover' }),
  incidents: z
    .strictObject({
      total: Count,
      byLevel: z.strictObject({ '1': Count, '2': Count, '3': Count, '4': Count }),
      byCategory: z.strictObject({ web_attack: Count, intrusion: Count, denial_of_service: Count, equipment_problem: Count, other: Count }),
      open: Count,
      closed: Count,
      dismissed: Count,
    })
    .meta({ description: 'real incidents the agencies became aware of in the year: incidents filed as drills never count here' }),
  clocks: z
    .strictObject({ report: ClockFiguresSchema, superiorReview: ClockFiguresSchema, recovery: ClockFiguresSchema, improvementReport: ClockFiguresSchema })
    .meta({
      description:
        'the clocks of the rules table (report 1 h; superior review 8 h, 2 h for levels 3–4; recovery 72 h, 36 h for levels 3–4; improvement report 1 month) of the real incidents above',
    }),
  incidentDrills: z
    .strictObject({
      count: Count,
      open: Count,
      closed: Count,
      dismissed: Count,
      agenciesHeld: Count.meta({ description: 'agencies that held at least one (not dismissed)' }),
      incidentDrillHeld: z.boolean().meta({ description: 'every agency of these figures held one' }),
    })
    .meta({ description: 'incident reporting and response drills (incidents filed with isDrill)' }),
  continuity: z.strictObject({
    plans: Count,
    coreServices: Count,
    reviewsOverdue: Count.meta({ description: "plans whose yearly review is past due now (the report's generation time)" }),
    plansCompliant: Count.meta({ description: 'plans drilled this year, or not required to be (every year for level A, every 2 years for the others)' }),
    plansNonCompliant: Count,
    drills: z.strictObject({
      total: Count,
      scheduled: Count,
      overdue: Count,
      inProgress: Count,
      held: Count,
      closed: Count,
      cancelled: Count,
      byType: ByType(
        z.strictObject({
          required: Count.meta({ description: "drills the plans' programmes scheduled in the year (not cancelled)" }),
          held: Count.meta({ description: 'drills run (started at least), whether scheduled by a programme or by hand' }),
        }),
      ),
    }),
    afterActionReports: z
      .strictObject({ ...OnTimeLatePending, overdue: Count })
      .meta({ description: 'of the drills completed in the year: submitted by the due time, after it, not yet due, or due and missing' }),
    correctiveActions: z
      .strictObject({ open: Count, overdue: Count, doneThisYear: Count, verifiedThisYear: Count })
      .meta({ description: 'open and overdue now; done and verified in the year' }),
  }),
};

const AgencyRef = z.strictObject({ id: Uuid, code: z.string(), name: z.string() });

const LateClockSchema = z
  .strictObject({
    incidentId: Uuid.meta({ description: 'the incident, to open it (GET /api/incidents/{id} shows a reader not cleared for it only what article 42 allows)' }),
    reference: z.string(),
    agency: z.strictObject({ id: Uuid, code: z.string() }),
    level: z.int().min(1).max(4),
    clock: z.enum(['report', 'superiorReview', 'recovery', 'improvementReport']),
    dueAt: InstantOut,
    doneAt: InstantOut.nullable().meta({ description: 'when the work was done, late; null while it is still not done' }),
    lateByMs: Millis.meta({ description: 'from the due time to the time the work was done, or to now while it is not done' }),
  })
  .meta({ id: 'LateClock', description: "a missed clock: the incident's reference and agency only, never its title or content" });

export const ComplianceReportSchema = z
  .strictObject({
    agency: z.strictObject({ id: Uuid, code: z.string(), name: z.string(), responsibilityLevel: z.string(), timezone: z.string() }),
    year: z.int().min(1970).max(2100),
    period: z
      .strictObject({ from: z.string().meta({ format: 'date-time' }), to: z.string().meta({ format: 'date-time' }) })
      .meta({ description: "the year in the agency's time zone: [from, to), with the zone's offset; the same period applies to every subordinate" }),
    generatedAt: InstantOut,
    scope: z.enum(['subtree', 'agency']).meta({
      description: "subtree: the agency and every agency below it; agency: the agency alone (the caller's roles do not oversee subordinates)",
    }),
    // The agency's own figures (its subordinates are in children and total).
    ...ComplianceFiguresShape,
    continuity: ComplianceFiguresShape.continuity.extend({ perPlan: z.array(PlanComplianceSchema) }),
    children: z
      .array(z.strictObject({ agency: AgencyRef, ...ComplianceFiguresShape }).meta({ id: 'ComplianceRollup' }))
      .meta({ description: 'each direct subordinate with its whole subtree rolled up, ordered by code' }),
    total: z.strictObject(ComplianceFiguresShape).meta({ id: 'ComplianceFigures', description: 'the agency and its whole subtree' }),
    late: z
      .strictObject({
        total: Count.meta({ description: 'every late or breached-and-open clock of the subtree' }),
        truncated: z.boolean(),
        items: z.array(LateClockSchema).meta({ description: 'the first 500 by due time' }),
      })
      .meta({ description: 'the clocks missed in the whole subtree' }),
  })
  .meta({ id: 'ComplianceReport' });
