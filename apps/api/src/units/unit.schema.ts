import * as z from 'zod';
import { InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';
import { UNIT_TYPES } from './unit.entity.js';

/** POST /api/units. */
export const CreateUnitBody = z
  .strictObject({
    agencyId: Uuid,
    name: z
      .string()
      .min(1)
      .max(200)
      .meta({ examples: ['資訊室'] }),
    type: z.enum(UNIT_TYPES),
    headUserId: Uuid.optional().meta({ description: 'head of the unit (a user of the same agency)' }),
    email: z.email().min(3).max(320).optional().meta({ description: "the unit's shared mailbox" }),
  })
  .meta({ id: 'CreateUnit' });
export type CreateUnitBody = z.output<typeof CreateUnitBody>;

/** GET /api/units. */
export const ListUnitsQuery = z.strictObject({ ...PageQueryShape, agencyId: Uuid.optional() });
export type ListUnitsQuery = z.output<typeof ListUnitsQuery>;

export const UnitSchema = z
  .strictObject({
    id: Uuid,
    agencyId: Uuid,
    name: z.string(),
    type: z.enum(UNIT_TYPES),
    headUserId: Uuid.nullable(),
    email: z.string().nullable(),
    memberIds: z.array(Uuid),
    createdAt: InstantOut,
  })
  .meta({ id: 'Unit' });
export type UnitView = z.infer<typeof UnitSchema>;

export const UnitPage = PageOf(UnitSchema).meta({ id: 'UnitPage' });
