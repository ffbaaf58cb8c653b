import { CORRECTIVE_ACTION_STATUSES } from '@app/workflows';
import * as z from 'zod';
import { Instant, InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';
import { DrillText, FormUuid } from './drill-event.schema.js';
import { ContinuityDeadlineSchema } from './plan.schema.js';

const STATUSES = CORRECTIVE_ACTION_STATUSES as readonly ['open', 'in_progress', 'done', 'verified', 'cancelled'];
const SOURCE_TYPES = ['incident', 'drill'] as const;
const FutureInstant = Instant.meta({ type: 'string', format: 'date-time', description: 'in the future', examples: ['2027-04-30T17:00:00+08:00'] });
const Note = z
  .custom<string>((v) => typeof v === 'string' && v.length <= 5000, { params: { rule: 'maxLength' }, message: 'is text of at most 5000 characters' })
  .meta({ type: 'string', maxLength: 5000 });

/** POST /api/corrective-actions: an action for an incident's improvement report (or a drill), with an owner. */
export const CreateCorrectiveActionBody = z
  .strictObject({
    sourceType: z.enum(SOURCE_TYPES),
    sourceId: FormUuid.meta({ type: 'string', format: 'uuid', description: 'the incident or drill' }),
    title: DrillText(500),
    ownerUserId: FormUuid.optional(),
    ownerUnitId: FormUuid.optional(),
    dueAt: FutureInstant,
  })
  .meta({ id: 'CreateCorrectiveAction', description: 'names an owner: ownerUserId or ownerUnitId (or both)' });

/** PATCH /api/corrective-actions/{id}: at least one field. */
export const UpdateCorrectiveActionBody = z
  .strictObject({
    status: z.enum(STATUSES).optional().meta({ description: 'open → in_progress → done → verified (by someone else); cancelled with a note' }),
    note: Note.optional(),
    dueAt: FutureInstant.optional(),
    ownerUserId: FormUuid.nullable().optional().meta({ description: 'null removes it (an owner must remain)' }),
    ownerUnitId: FormUuid.nullable().optional().meta({ description: 'null removes it (an owner must remain)' }),
  })
  .meta({ id: 'UpdateCorrectiveAction', minProperties: 1 });

const TrueFalse = z.enum(['true', 'false']);
export const ListCorrectiveActionsQuery = z.strictObject({
  ...PageQueryShape,
  status: z.enum(STATUSES).optional(),
  overdue: TrueFalse.optional(),
  sourceType: z.enum(SOURCE_TYPES).optional(),
  sourceId: Uuid.optional(),
  agencyId: Uuid.optional(),
  mine: TrueFalse.optional().meta({ description: 'only actions owned by me or my units' }),
  owner: z.enum(['me', 'my_units']).optional().meta({ description: 'me: owned by me in person; my_units: owned by one of my units or by someone of my units' }),
});
export type ListCorrectiveActionsQuery = z.output<typeof ListCorrectiveActionsQuery>;

export const CorrectiveActionSchema = z
  .strictObject({
    id: Uuid,
    agencyId: Uuid,
    source: z.strictObject({ type: z.enum(SOURCE_TYPES), id: Uuid }),
    title: z.string().nullable().meta({ description: 'null when withheld (redacted)' }),
    redacted: z.boolean(),
    ownerUserId: Uuid.nullable(),
    ownerUnitId: Uuid.nullable(),
    dueAt: InstantOut,
    status: z.enum(STATUSES),
    overdue: z.boolean(),
    note: z.string().nullable(),
    doneAt: InstantOut.nullable(),
    doneBy: Uuid.nullable(),
    verifiedAt: InstantOut.nullable(),
    verifiedBy: Uuid.nullable(),
    version: z.int().min(1).meta({ description: 'the version to send as If-Match (also the ETag)' }),
    deadlines: z.array(ContinuityDeadlineSchema),
    createdAt: InstantOut,
    updatedAt: InstantOut,
  })
  .meta({ id: 'CorrectiveAction' });

export const CorrectiveActionPage = PageOf(CorrectiveActionSchema).meta({ id: 'CorrectiveActionPage' });
