import * as z from 'zod';
import { InstantOut, Uuid } from '../common/schema.js';
import { LOCALES } from '../users/user.entity.js';
import { ROLES } from './roles.js';

/** POST /api/auth/login. */
export const LoginBody = z
  .strictObject({
    email: z
      .email()
      .min(3)
      .max(320)
      .meta({ examples: ['admin@demo.gov.tw'] }),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'Login' });
export type LoginBody = z.output<typeof LoginBody>;

/** POST /api/auth/password. */
export const ChangePasswordBody = z
  .strictObject({
    currentPassword: z.string().min(1).max(256),
    newPassword: z.string().min(1).max(256).meta({
      description: '12–256 characters, three of: lower case, upper case, digits, symbols; not the e-mail or the current password (rule passwordPolicy)',
    }),
  })
  .meta({ id: 'ChangePassword' });
export type ChangePasswordBody = z.output<typeof ChangePasswordBody>;

/** POST /api/auth/password answered: the session that replaces the caller's (every session of the account ended). */
export const PasswordChangedSchema = z
  .strictObject({
    token: z.string().optional().meta({
      description:
        'the new session’s bearer token, for a caller that signed in with a token; absent for the console, whose new session is set as its cookie instead',
    }),
    expiresAt: InstantOut,
  })
  .meta({ id: 'PasswordChanged' });
export type PasswordChanged = z.infer<typeof PasswordChangedSchema>;

/** A signed-in session: the opaque bearer token and who it is for. */
export const LoginResultSchema = z
  .strictObject({
    token: z.string().meta({ description: 'opaque bearer token (not a JWT): send it as Authorization: Bearer <token>' }),
    expiresAt: InstantOut,
    mustChangePassword: z
      .boolean()
      .meta({ description: 'true: only POST /api/auth/password, POST /api/auth/logout and GET /api/me are allowed until the password is changed' }),
    user: z.strictObject({ id: Uuid, email: z.string(), name: z.string(), agencyId: Uuid, roles: z.array(z.enum(ROLES)), locale: z.enum(LOCALES) }),
  })
  .meta({ id: 'LoginResult' });
export type LoginResult = z.infer<typeof LoginResultSchema>;
