import { IANAZone } from 'luxon';
import * as z from 'zod';
import { InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';
import { RESPONSIBILITY_LEVELS } from './agency.entity.js';

/** An IANA time zone (`Asia/Taipei`); agencies and on-call schedules take one. */
export const TimeZone = z
  .string()
  .refine((v) => v.length <= 64 && IANAZone.isValidZone(v), { params: { rule: 'isTimeZone' }, message: 'must be an IANA time zone such as Asia/Taipei' })
  .meta({ examples: ['Asia/Taipei'], maxLength: 64 });

/** POST /api/agencies. */
export const CreateAgencyBody = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(200)
      .meta({ examples: ['臺北市政府資訊局'] }),
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9]{1,15}$/, { message: 'code must be 2–16 upper-case letters or digits, starting with a letter' })
      .meta({ examples: ['TPEDOIT'], description: 'upper-case letters and digits, 2–16, unique; used in incident references' }),
    parentId: Uuid.meta({ description: 'the superior agency' }),
    timezone: TimeZone.optional().meta({ default: 'Asia/Taipei' }),
    responsibilityLevel: z.enum(RESPONSIBILITY_LEVELS).meta({ description: '資通安全責任等級 A–E' }),
  })
  .meta({ id: 'CreateAgency' });
export type CreateAgencyBody = z.output<typeof CreateAgencyBody>;

/** GET /api/agencies. */
export const ListAgenciesQuery = z.strictObject({ ...PageQueryShape });
export type ListAgenciesQuery = z.output<typeof ListAgenciesQuery>;

export const AgencySchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    code: z.string(),
    parentId: Uuid.nullable().meta({ description: 'the superior agency; null for the top of the tree' }),
    timezone: z.string(),
    responsibilityLevel: z.enum(RESPONSIBILITY_LEVELS),
    createdAt: InstantOut,
  })
  .meta({ id: 'Agency' });
export type AgencyView = z.infer<typeof AgencySchema>;

export const AgencyPage = PageOf(AgencySchema).meta({ id: 'AgencyPage' });
