import * as z from 'zod';
import { TimeZone } from '../agencies/agency.schema.js';
import { Instant, InstantOut, PageOf, PageQueryShape, Text, Uuid } from '../common/schema.js';
import { checkedEach } from '../common/nested-fields.js';

const ROTATIONS = ['daily', 'weekly'] as const;

/** One rotation layer of a new schedule. */
export const LayerBody = z
  .strictObject({
    rotation: z.enum(ROTATIONS),
    handoffTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'handoffTime must be a local time HH:mm' })
      .meta({ examples: ['09:00'], description: 'local hand-off time, HH:mm' }),
    handoffWeekday: z
      .int()
      .min(1)
      .max(7)
      .optional()
      .meta({ description: 'weekday of a weekly hand-off, 1 = Monday … 7 = Sunday; required for weekly rotations (rule requiredForWeekly)' }),
    startsAt: Instant.meta({ description: "when the rotation starts: the first participant's shift contains it" }),
    endsAt: Instant.optional().meta({ description: 'when the layer ends (after startsAt, rule afterStartsAt)' }),
    participants: checkedEach(Uuid, z.array(Uuid).min(1).max(100)).meta({ description: 'users of the agency, in rotation order (rule sameAgency)' }),
  })
  .meta({ id: 'CreateRotationLayer' });

/** POST /api/on-call/schedules. */
export const CreateScheduleBody = z
  .strictObject({
    agencyId: Uuid,
    unitId: Uuid.optional().meta({ description: 'a unit of the agency' }),
    name: Text(200).meta({ examples: ['資訊室值班 IT on call'] }),
    timezone: TimeZone.optional().meta({ description: "defaults to the agency's time zone" }),
    layers: z.array(LayerBody).min(1).max(10).meta({ description: 'later layers sit on top of earlier ones' }),
  })
  .meta({ id: 'CreateSchedule' });
export type CreateScheduleBody = z.output<typeof CreateScheduleBody>;

/** POST /api/on-call/schedules/{id}/overrides. */
export const CreateOverrideBody = z
  .strictObject({
    userId: Uuid.meta({ description: 'a user of the agency' }),
    startsAt: Instant,
    endsAt: Instant.meta({ description: 'after startsAt (rule afterStartsAt)' }),
    reason: Text(1000),
  })
  .meta({ id: 'CreateOverride' });
export type CreateOverrideBody = z.output<typeof CreateOverrideBody>;

const agencyParam = Uuid.optional().meta({ description: "the agency (default: the caller's)" });

/** GET /api/on-call/schedules. */
export const ListSchedulesQuery = z.strictObject({ ...PageQueryShape, agencyId: agencyParam });
export type ListSchedulesQuery = z.output<typeof ListSchedulesQuery>;

/** GET /api/on-call/now. */
export const OnCallNowQuery = z.strictObject({ ...PageQueryShape, agencyId: agencyParam, at: Instant.optional().meta({ description: 'default: now' }) });
export type OnCallNowQuery = z.output<typeof OnCallNowQuery>;

/** GET /api/on-call/calendar. */
export const CalendarQuery = z.strictObject({
  ...PageQueryShape,
  agencyId: agencyParam,
  from: Instant,
  to: Instant.meta({ description: 'after from (rule afterFrom), at most 92 days later (rule maxRange)' }),
});
export type CalendarQuery = z.output<typeof CalendarQuery>;

export const RotationLayerSchema = z
  .strictObject({
    rotation: z.enum(ROTATIONS),
    handoffTime: z.string(),
    handoffWeekday: z.int().min(1).max(7).optional(),
    startsAt: InstantOut,
    endsAt: InstantOut.nullable(),
    participants: z.array(Uuid),
  })
  .meta({ id: 'RotationLayer' });

export const OverridePeriodSchema = z.strictObject({ userId: Uuid, startsAt: InstantOut, endsAt: InstantOut }).meta({ id: 'OnCallOverridePeriod' });

export const ScheduleSchema = z
  .strictObject({
    id: Uuid,
    agencyId: Uuid,
    unitId: Uuid.nullable(),
    name: z.string(),
    timezone: z.string(),
    layers: z.array(RotationLayerSchema),
    overrides: z.array(OverridePeriodSchema),
  })
  .meta({ id: 'OnCallSchedule' });
export type ScheduleView = z.infer<typeof ScheduleSchema>;

export const SchedulePage = PageOf(ScheduleSchema).meta({ id: 'OnCallSchedulePage' });

export const OverrideSchema = z
  .strictObject({ id: Uuid, scheduleId: Uuid, userId: Uuid, startsAt: InstantOut, endsAt: InstantOut, reason: z.string() })
  .meta({ id: 'OnCallOverride' });

/** A stretch of time one person is on call, from a layer's rotation or an override. */
export const ShiftSchema = z
  .strictObject({
    userId: Uuid,
    startsAt: InstantOut,
    endsAt: InstantOut,
    source: z.enum(['override', 'layer']),
    layer: z.int().min(0).optional().meta({ description: 'the index of the layer, for a shift of a rotation' }),
  })
  .meta({ id: 'OnCallShift' });

const OnCallNowEntry = z
  .strictObject({
    scheduleId: Uuid,
    name: z.string(),
    unitId: Uuid.nullable(),
    onCall: z
      .strictObject({ ...ShiftSchema.shape, name: z.string().nullable(), email: z.string().nullable() })
      .nullable()
      .meta({ description: 'nobody when no layer or override covers the instant' }),
  })
  .meta({ id: 'OnCallNowEntry' });

export const OnCallNowSchema = PageOf(OnCallNowEntry)
  .extend({ at: InstantOut })
  .meta({ id: 'OnCallNowPage', description: 'who is on call at `at` in each schedule: a page of schedules by name' });

const CalendarEntry = z.strictObject({ scheduleId: Uuid, name: z.string(), shifts: z.array(ShiftSchema) }).meta({ id: 'OnCallCalendarEntry' });

export const CalendarSchema = PageOf(CalendarEntry).meta({
  id: 'OnCallCalendarPage',
  description: 'the shifts of each schedule between from and to: a page of schedules by name',
});
