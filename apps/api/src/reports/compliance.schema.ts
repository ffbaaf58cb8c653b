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

export const ComplianceReportSchema = z
  .strictObject({
    agency: z.strictObject({ id: Uuid, code: z.string(), name: z.string(), responsibilityLevel: z.string(), timezone: z.string() }),
    year: z.int().min(1970).max(2100),
    period: z
      .strictObject({ from: z.string().meta({ format: 'date-time' }), to: z.string().meta({ format: 'date-time' }) })
      .meta({ description: "the year in the agency's time zone: [from, to), with the zone's offset" }),
    generatedAt: InstantOut,
    incidents: z
      .strictObject({
        total: Count,
        byLevel: z.strictObject({ '1': Count, '2': Count, '3': Count, '4': Count }),
        report: z.strictObject(OnTimeLatePending),
        open: Count,
        closed: Count,
        dismissed: Count,
      })
      .meta({ description: 'real incidents only: incidents filed as drills never count here' }),
    incidentDrills: z
      .strictObject({ count: Count, open: Count, closed: Count, dismissed: Count, incidentDrillHeld: z.boolean() })
      .meta({ description: 'incident reporting and response drills (incidents filed with isDrill)' }),
    continuity: z.strictObject({
      plans: Count,
      coreServices: Count,
      reviewsOverdue: Count,
      drills: z.strictObject({
        total: Count,
        scheduled: Count,
        overdue: Count,
        inProgress: Count,
        held: Count,
        closed: Count,
        cancelled: Count,
        byType: z.strictObject({ tabletop: Count, functional: Count, full_scale: Count }),
      }),
      afterActionReports: z.strictObject({ ...OnTimeLatePending, overdue: Count }),
      perPlan: z.array(PlanComplianceSchema),
      plansCompliant: Count,
      plansNonCompliant: Count,
      correctiveActions: z.strictObject({ open: Count, overdue: Count, doneThisYear: Count, verifiedThisYear: Count }),
    }),
  })
  .meta({ id: 'ComplianceReport' });
