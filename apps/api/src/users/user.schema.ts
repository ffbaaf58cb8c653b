import * as z from 'zod';
import { Instant, InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';
import { ROLES } from '../identity/roles.js';
import { checkedEach } from '../common/nested-fields.js';
import { LOCALES } from './user.entity.js';

/** A list without repeats (rule arrayUnique, as class-validator's ArrayUnique). */
const unique = <T extends z.ZodArray>(list: T) =>
  list
    .refine((items: unknown[]) => new Set(items).size === items.length, { params: { rule: 'arrayUnique' }, message: 'must not repeat an item' })
    .meta({ uniqueItems: true });

/** Each item's broken rule is named on the list (`roles` isIn, `unitIds` isUuid), as the API always answered. */
const Roles = (description: string) => checkedEach(z.enum(ROLES), unique(z.array(z.enum(ROLES)).min(1).max(ROLES.length))).meta({ description });
const UnitIds = checkedEach(Uuid, unique(z.array(Uuid).max(50))).meta({ description: "units of the user's agency (rule sameAgency)" });
const Email = z.email().min(3).max(320);

/** POST /api/users. */
export const CreateUserBody = z
  .strictObject({
    email: Email.meta({ examples: ['chen@agency.gov.tw'] }),
    name: z
      .string()
      .min(1)
      .max(200)
      .meta({ examples: ['陳小明'] }),
    agencyId: Uuid,
    roles: Roles(
      'reporter is added to every staff account (not to vendors and auditors); an auditor holds no other role; ciso, auditor and admin grants are mailed to the other admins',
    ),
    unitIds: UnitIds.optional(),
    expiresAt: Instant.optional().meta({ description: 'required for vendor accounts (rule vendorExpiry); in the future (rule isFuture)' }),
    disabled: z.boolean().optional(),
    locale: z.enum(LOCALES).optional().meta({ default: 'zh-TW' }),
    password: z
      .string()
      .min(12)
      .max(256)
      .optional()
      .meta({ description: 'initial password (must be changed at first login); a temporary one is generated and answered once when omitted' }),
  })
  .meta({ id: 'CreateUser' });
export type CreateUserBody = z.output<typeof CreateUserBody>;

/** PATCH /api/users/{id}: the editable fields of User, under the same names and types, each optional. */
export const UpdateUserBody = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    roles: Roles('nobody changes their own roles (403 noSelfRoleChange)').optional(),
    unitIds: UnitIds.optional(),
    expiresAt: Instant.nullable().optional().meta({ description: 'null: the account does not expire (not for vendors)' }),
    disabled: z.boolean().optional().meta({ description: 'true ends every session of the user at once' }),
    locale: z.enum(LOCALES).optional(),
    resetPassword: z.boolean().optional().meta({ description: 'true issues a new temporary password (answered once) and ends every session' }),
  })
  .meta({ id: 'UpdateUser' });
export type UpdateUserBody = z.output<typeof UpdateUserBody>;

/** GET /api/users. */
export const ListUsersQuery = z.strictObject({
  ...PageQueryShape,
  agencyId: Uuid.optional(),
  role: z.enum(ROLES).optional().meta({ description: 'admins and auditors only (the directory others read shows no roles)' }),
});
export type ListUsersQuery = z.output<typeof ListUsersQuery>;

/** The full record of an account: for admins, auditors and the account itself. */
export const UserSchema = z
  .strictObject({
    id: Uuid,
    email: z.string(),
    name: z.string(),
    agencyId: Uuid,
    roles: z.array(z.enum(ROLES)),
    unitIds: z.array(Uuid),
    locale: z.enum(LOCALES),
    expiresAt: InstantOut.nullable(),
    disabled: z.boolean(),
    disabledAt: InstantOut.nullable(),
    lockedUntil: InstantOut.nullable(),
    passwordChangedAt: InstantOut,
    mustChangePassword: z.boolean(),
    lastLoginAt: InstantOut.nullable(),
    createdAt: InstantOut,
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserSchema>;

/** What everyone else reads of an account: enough to pick a person, none of its roles or state. */
export const UserDirectoryEntrySchema = z
  .strictObject({ id: Uuid, email: z.string(), name: z.string(), agencyId: Uuid, unitIds: z.array(Uuid) })
  .meta({ id: 'UserDirectoryEntry' });
export type UserDirectoryEntry = z.infer<typeof UserDirectoryEntrySchema>;

/** GET /api/users/{id} and the list's items: the full record or the directory entry, as the caller may read. */
export const UserOrEntrySchema = z.union([UserSchema, UserDirectoryEntrySchema]).meta({ id: 'UserOrDirectoryEntry' });

export const UserPage = PageOf(UserOrEntrySchema).meta({ id: 'UserPage' });

/** POST and PATCH answers: the record, with the temporary password once when one was issued. */
export const WrittenUserSchema = UserSchema.extend({
  temporaryPassword: z.string().optional().meta({ description: 'shown once: when the account was created without a password, or resetPassword was sent' }),
}).meta({ id: 'WrittenUser' });
