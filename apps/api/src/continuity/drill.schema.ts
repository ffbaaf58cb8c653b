import { DRILL_CLIENT_EVENT_TYPES, DRILL_TYPES, isDrillDuration } from '@app/workflows';
import * as z from 'zod';
import { FieldDescriptionSchema, Instant, InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';
import { AfterActionReportSchema } from './drill-event.schema.js';
import { ContinuityDeadlineSchema, LabelledClassificationSchema } from './plan.schema.js';

export const DRILL_STATES = ['scheduled', 'overdue', 'in_progress', 'debrief', 'improvement', 'closed', 'cancelled'] as const;

export const ListDrillsQuery = z.strictObject({
  ...PageQueryShape,
  from: Instant.optional().meta({ type: 'string', format: 'date-time', description: 'drills scheduled at or after' }),
  to: Instant.optional().meta({ type: 'string', format: 'date-time', description: 'drills scheduled before (at most five years after from)' }),
  agencyId: Uuid.optional(),
  planId: Uuid.optional(),
  state: z.enum(DRILL_STATES).optional(),
});
export type ListDrillsQuery = z.output<typeof ListDrillsQuery>;

export const DrillTimelineQuery = z.strictObject({ ...PageQueryShape });
export type DrillTimelineQuery = z.output<typeof DrillTimelineQuery>;

/** POST /api/continuity/plans/{id}/drills: a drill outside the programme. */
export const ScheduleDrillBody = z
  .strictObject({
    scheduledFor: Instant.meta({ type: 'string', format: 'date-time', description: 'in the future', examples: ['2027-05-20T09:00:00+08:00'] }),
    drillType: z.enum(DRILL_TYPES as readonly ['tabletop', 'functional', 'full_scale']),
    reminders: z
      .array(
        z
          .custom<string>((v) => isDrillDuration(v), { params: { rule: 'isoDuration' }, message: 'is a positive ISO 8601 duration, e.g. P7D' })
          .meta({ type: 'string', maxLength: 40, description: 'ISO 8601 duration before the drill', examples: ['P7D'] }),
      )
      .max(10)
      .optional()
      .meta({ description: 'default P30D, P7D, P1D' }),
  })
  .meta({ id: 'ScheduleDrill' });
export type ScheduleDrillBody = z.output<typeof ScheduleDrillBody>;

const By = { at: InstantOut, by: z.string() };

export const DrillSchema = z
  .strictObject({
    id: Uuid,
    reference: z.string(),
    agencyId: Uuid,
    redacted: z.boolean(),
    plan: z.strictObject({ id: Uuid, reference: z.string(), title: z.string().nullable(), classification: LabelledClassificationSchema }),
    drillType: z.enum(DRILL_TYPES as readonly ['tabletop', 'functional', 'full_scale']),
    state: z.enum(DRILL_STATES),
    version: z.int().min(1).meta({ description: 'the version to send as If-Match (also the ETag)' }),
    scheduledFor: InstantOut,
    occurrenceAt: InstantOut.nullable(),
    fromProgramme: z.boolean(),
    startedAt: InstantOut.nullable(),
    completedAt: InstantOut.nullable(),
    afterActionDueAt: InstantOut.nullable(),
    afterActionOverdue: z.boolean(),
    afterAction: AfterActionReportSchema.nullable().meta({ description: 'the after-action report as submitted (null until then, or when withheld)' }),
    planChangeRequired: z.boolean(),
    planUpdate: z.strictObject({ planVersion: z.int(), ...By }).nullable(),
    participants: z.array(z.strictObject({ name: z.string(), role: z.string(), organisation: z.string().nullable(), ...By })).nullable(),
    observations: z.array(z.strictObject({ text: z.string(), capability: z.string().nullable(), ...By })).nullable(),
    reschedules: z.array(z.strictObject({ from: InstantOut, to: InstantOut, reason: z.string(), ...By })),
    cancellation: z.strictObject({ reason: z.string(), ...By }).nullable(),
    breaches: z.array(z.strictObject({ kind: z.string(), dueAt: InstantOut, at: InstantOut, lateByMs: z.number() })),
    correctiveActions: z.array(z.strictObject({ id: Uuid, status: z.string() })),
    deadlines: z.array(ContinuityDeadlineSchema),
    createdAt: InstantOut,
    updatedAt: InstantOut,
  })
  .meta({ id: 'Drill' });

export const DrillPage = PageOf(DrillSchema).meta({ id: 'DrillPage' });

export const DrillTransitionsSchema = z
  .strictObject({
    allowedEvents: z.array(
      z.strictObject({
        type: z.enum(DRILL_CLIENT_EVENT_TYPES as readonly [string, ...string[]]),
        requires: z.array(z.string()).meta({ description: 'the fields the event cannot go without' }),
        fields: z.array(FieldDescriptionSchema).meta({ description: 'every field of the event, with its type and allowed values' }),
        schema: z.string().meta({ description: 'the event’s schema in this document', examples: ['#/components/schemas/DrillStartEvent'] }),
      }),
    ),
  })
  .meta({ id: 'DrillTransitions' });

export const DrillTimelineEntrySchema = z
  .strictObject({
    seq: z.int().meta({ description: 'position in the drill’s timeline (a JSON number)' }),
    at: InstantOut,
    actorId: z.string().nullable(),
    entry: z.string(),
    data: z.unknown().meta({ description: 'what the entry records (null when withheld)' }),
  })
  .meta({ id: 'DrillTimelineEntry' });
export const DrillTimelinePage = PageOf(DrillTimelineEntrySchema).meta({ id: 'DrillTimelinePage' });
