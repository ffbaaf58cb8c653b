import { CAPABILITY_RATINGS, DRILL_TEXT_LIMITS, type DrillClientEventType } from '@app/workflows';
import * as z from 'zod';
import { isUUID } from 'class-validator';
import { Instant } from '../common/schema.js';

/**
 * The drill events a client sends (POST /api/drills/{id}/events), one named schema per type, as a
 * union on `type`. Structure only: `future` dates and an owner per corrective action are checked
 * in drill-event-body.ts, the state machine decides whether the event may happen now.
 */

/** Non-blank text of at most `max` characters without NUL (rules required, maxLength, noNul). */
export function DrillText(max: number) {
  return (
    z
      .string()
      .min(1)
      .max(max)
      .refine((s) => s.trim() !== '', { params: { rule: 'required' }, message: 'must be a non-blank string' })
      // eslint-disable-next-line no-control-regex
      .refine((s) => !/\u0000/.test(s), { params: { rule: 'noNul' }, message: 'must not contain NUL characters' })
  );
}

/** An id (rule isUuid, whatever was sent instead). */
export const FormUuid = z
  .custom<string>((v) => typeof v === 'string' && isUUID(v), { params: { rule: 'isUuid' }, message: 'must be an id (UUID)' })
  .meta({ type: 'string', format: 'uuid' });

const texts = (min: number, maxItems: number, maxLength: number) => z.array(DrillText(maxLength)).min(min).max(maxItems);

export const DrillParticipantInputSchema = z
  .strictObject({ name: DrillText(200), role: DrillText(200), organisation: DrillText(200).optional() })
  .meta({ id: 'DrillParticipantInput' });

export const ReportCorrectiveActionSchema = z
  .strictObject({
    title: DrillText(500),
    ownerUserId: FormUuid.optional(),
    ownerUnitId: FormUuid.optional(),
    dueAt: Instant.meta({ description: 'in the future', type: 'string', format: 'date-time', examples: ['2027-04-30T17:00:00+08:00'] }),
  })
  .meta({ id: 'ReportCorrectiveAction', description: 'an action the drill calls for; names an owner (ownerUserId or ownerUnitId)' });

export const AfterActionReportSchema = z
  .strictObject({
    objectives: texts(1, 50, 1000),
    scenario: DrillText(10_000),
    participants: z.array(DrillParticipantInputSchema).min(1).max(500),
    capabilities: z
      .array(
        z.strictObject({
          capability: DrillText(200),
          rating: z.enum(CAPABILITY_RATINGS as readonly ['P', 'S', 'M', 'U']).meta({
            description: 'P performed without challenges, S with some, M with major challenges, U unable to perform',
          }),
          notes: DrillText(5000).optional(),
        }),
      )
      .min(1)
      .max(100),
    strengths: texts(0, 100, 2000),
    areasForImprovement: texts(0, 100, 2000),
    correctiveActions: z.array(ReportCorrectiveActionSchema).max(100),
    planChangeRequired: z.boolean().meta({ description: 'whether the plan must change (CLOSE then waits for a plan version naming this drill)' }),
  })
  .meta({ id: 'AfterActionReport' });

const variant = <T extends DrillClientEventType, S extends z.core.$ZodLooseShape>(type: T, shape: S, description: string) =>
  z.strictObject({ type: z.literal(type), ...shape }).meta({ id: `Drill${pascal(type)}Event`, description });

function pascal(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

export const DRILL_EVENT_VARIANTS = {
  START: variant('START', {}, 'the drill begins'),
  RECORD_PARTICIPANT: variant(
    'RECORD_PARTICIPANT',
    { name: DrillText(DRILL_TEXT_LIMITS.name), role: DrillText(200), organisation: DrillText(200).optional() },
    'someone takes part',
  ),
  RECORD_OBSERVATION: variant('RECORD_OBSERVATION', { text: DrillText(5000), capability: DrillText(200).optional() }, 'what was seen during the drill'),
  COMPLETE: variant('COMPLETE', { summary: DrillText(5000).optional() }, 'the exercise is over; the after-action report is due'),
  SUBMIT_AFTER_ACTION: variant('SUBMIT_AFTER_ACTION', { report: AfterActionReportSchema }, 'the after-action report, with its corrective actions'),
  PLAN_UPDATED: variant(
    'PLAN_UPDATED',
    {
      planVersion: z
        .custom<number>((v) => Number.isInteger(v) && (v as number) >= 1, {
          params: { rule: 'isInt' },
          message: 'is the number of the plan version that answers the findings',
        })
        .meta({ type: 'integer', minimum: 1, description: 'a plan version naming this drill in addressesDrillIds' }),
    },
    'a plan version answers the findings',
  ),
  CLOSE: variant('CLOSE', {}, 'close the drill (every corrective action verified, the plan changed where the report said so)'),
  CANCEL: variant('CANCEL', { reason: DrillText(2000) }, 'the drill will not take place'),
  RESCHEDULE: variant(
    'RESCHEDULE',
    {
      date: Instant.meta({ type: 'string', format: 'date-time', description: 'the new date, in the future', examples: ['2027-03-15T09:00:00+08:00'] }),
      reason: DrillText(2000),
    },
    'move the drill to another date',
  ),
} satisfies { [T in DrillClientEventType]: z.ZodObject };

export const DrillEventBody = z
  .discriminatedUnion('type', Object.values(DRILL_EVENT_VARIANTS) as unknown as [z.ZodObject, ...z.ZodObject[]])
  .meta({ id: 'DrillEvent', description: 'a drill event, by `type`' });
export type DrillEventBody = z.output<typeof DrillEventBody>;

/** One example per event type, as Swagger UI shows them. */
export const DRILL_EVENT_EXAMPLES: { [T in DrillClientEventType]: { summary: string; value: Record<string, unknown> } } = {
  START: { summary: 'Start the drill', value: { type: 'START' } },
  RECORD_PARTICIPANT: { summary: 'Record a participant', value: { type: 'RECORD_PARTICIPANT', name: '林志明', role: 'DBA', organisation: '資訊室' } },
  RECORD_OBSERVATION: {
    summary: 'Record an observation',
    value: { type: 'RECORD_OBSERVATION', text: 'Failover took 40 minutes: DNS TTL too long', capability: 'infrastructure systems' },
  },
  COMPLETE: { summary: 'Complete the exercise', value: { type: 'COMPLETE', summary: 'Failover done in 5 hours' } },
  SUBMIT_AFTER_ACTION: {
    summary: 'Submit the after-action report',
    value: {
      type: 'SUBMIT_AFTER_ACTION',
      report: {
        objectives: ['Fail e-filing over to the backup site within the RTO'],
        scenario: 'A typhoon cuts power to the primary data centre during the filing season.',
        participants: [{ name: '林志明', role: 'DBA' }],
        capabilities: [{ capability: 'infrastructure systems', rating: 'S', notes: 'DNS change was manual' }],
        strengths: ['The runbook was current'],
        areasForImprovement: ['Automate the DNS change'],
        correctiveActions: [
          { title: 'Add the DNS change to the failover runbook', ownerUnitId: '0b6f1f64-3d51-4a4c-9a43-6a8d1f2e7c10', dueAt: '2099-06-30T17:00:00+08:00' },
        ],
        planChangeRequired: true,
      },
    },
  },
  PLAN_UPDATED: { summary: 'A plan version answers the findings', value: { type: 'PLAN_UPDATED', planVersion: 2 } },
  CLOSE: { summary: 'Close the drill', value: { type: 'CLOSE' } },
  CANCEL: { summary: 'Cancel the drill', value: { type: 'CANCEL', reason: 'The data centre move is postponed' } },
  RESCHEDULE: { summary: 'Move the drill', value: { type: 'RESCHEDULE', date: '2099-03-15T09:00:00+08:00', reason: 'Clashes with the filing deadline' } },
};
