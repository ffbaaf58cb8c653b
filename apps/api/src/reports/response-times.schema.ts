import * as z from 'zod';
import { isInstant } from '../common/instant.js';
import { InstantOut, Uuid } from '../common/schema.js';

/** A calendar date (YYYY-MM-DD): the start of that day in the agency's time zone. */
export const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

const PeriodBound = (which: 'from' | 'to') =>
  z
    .string()
    .refine((v) => CALENDAR_DATE.test(v) || isInstant(v), {
      params: { rule: 'isInstant' },
      message: `${which} must be a date (YYYY-MM-DD, midnight in the agency's time zone) or an RFC 3339 time with a zone offset`,
    })
    .optional();

/** GET /api/reports/response-times. */
export const ResponseTimesQuery = z.strictObject({
  agencyId: Uuid.optional().meta({ description: "defaults to the caller's agency; its subtree is included as far as the caller sees it" }),
  from: PeriodBound('from').meta({
    description:
      "start of the period (inclusive), by awareness time: a date (midnight in the agency's time zone) or a time with offset; defaults to 12 months before `to`",
    examples: ['2026-01-01', '2026-01-01T00:00:00+08:00'],
  }),
  to: PeriodBound('to').meta({
    description: "end of the period (exclusive); defaults to the start of next month in the agency's time zone. At most 5 years after `from`",
    examples: ['2027-01-01'],
  }),
});
export type ResponseTimesQuery = z.output<typeof ResponseTimesQuery>;

const Count = z.int().min(0);
const Seconds = z.number().nullable();

const Measure = z
  .strictObject({
    count: Count.meta({ description: 'incidents of the group that reached this step' }),
    medianSeconds: Seconds.meta({ description: 'median (percentile_cont 0.5, linear interpolation), in seconds; null when none reached the step' }),
    p90Seconds: Seconds.meta({ description: '90th percentile (percentile_cont 0.9, linear interpolation), in seconds; null when none reached the step' }),
  })
  .meta({ id: 'ResponseTimeMeasure' });

const Stats = {
  incidents: Count.meta({ description: 'incidents of the group the agency became aware of in the period' }),
  acknowledge: Measure.meta({ description: 'from filing (when the first page goes out) to the first acknowledgement' }),
  report: Measure.meta({ description: 'from awareness (知悉) to the first report to the superior agency / competent authority' }),
  contain: Measure.meta({ description: 'from awareness to the damage being contained' }),
  recover: Measure.meta({ description: 'from awareness to recovery' }),
};

const Level = z.int().min(1).max(4);
const Month = z
  .string()
  .regex(/^\d{4}-\d{2}$/)
  .meta({ description: "the month of awareness in the incident's agency time zone", examples: ['2026-03'] });

const Breakdown = z
  .strictObject({
    overall: z.strictObject(Stats),
    byLevel: z.array(z.strictObject({ level: Level, ...Stats })).meta({ description: 'by the incident’s current level, levels with incidents only' }),
    byAgency: z.array(z.strictObject({ agencyId: Uuid, agencyCode: z.string(), ...Stats })).meta({ description: 'agencies with incidents only' }),
    byMonth: z.array(z.strictObject({ month: Month, ...Stats })),
    cells: z
      .array(z.strictObject({ agencyId: Uuid, agencyCode: z.string(), month: Month, level: Level, ...Stats }))
      .meta({ description: 'by agency, month and level together' }),
  })
  .meta({ id: 'ResponseTimeBreakdown' });

export const ResponseTimesSchema = z
  .strictObject({
    agency: z.strictObject({ id: Uuid, code: z.string(), name: z.string(), timezone: z.string() }),
    agencies: z.array(Uuid).meta({
      description:
        "the agencies counted: the agency and the part of its subtree the caller sees; a subordinate's incident counts once reported to its superior (auditors: every one), as in GET /api/incidents",
    }),
    period: z
      .strictObject({ from: z.string().meta({ format: 'date-time' }), to: z.string().meta({ format: 'date-time' }) })
      .meta({ description: "[from, to) by awareness time, written in the agency's time zone" }),
    unit: z.literal('seconds').meta({ description: 'every duration of the report is in seconds' }),
    generatedAt: InstantOut,
    incidents: Breakdown.meta({ description: 'real incidents: incidents filed as drills never count here' }),
    drills: Breakdown.meta({ description: 'incidents filed as drills (isDrill), reported apart' }),
  })
  .meta({
    id: 'ResponseTimes',
    description:
      'Time to acknowledge, report, contain and recover (median and p90, seconds), computed in SQL from the timeline: each step counts its first entry, so a reopened incident keeps its first round’s times. Figures only: no incident content.',
  });
