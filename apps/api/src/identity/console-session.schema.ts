import * as z from 'zod';
import { InstantOut, Uuid } from '../common/schema.js';
import { ROLES } from './roles.js';

/** POST /api/auth/console-login. */
export const ConsoleLoginBody = z
  .strictObject({
    email: z
      .email()
      .min(3)
      .max(320)
      .meta({ examples: ['reporter@moda.demo.gov.tw'] }),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'ConsoleLogin' });
export type ConsoleLoginBody = z.output<typeof ConsoleLoginBody>;

/** What the console knows of its session: what login answers, without the token (it is in the HttpOnly cookie), and the agency's zone. */
export const ConsoleSessionSchema = z
  .strictObject({
    expiresAt: InstantOut.meta({ description: 'when the session ends (absolute lifetime, SESSION_TTL)' }),
    mustChangePassword: z.boolean().meta({ description: 'true: only changing the password (POST /api/auth/password) and logging out are allowed' }),
    user: z.strictObject({
      id: Uuid,
      email: z.string(),
      name: z.string(),
      agencyId: Uuid,
      roles: z.array(z.enum(ROLES)),
      locale: z.enum(['zh-TW', 'en']),
    }),
    agencyTimezone: z.string().meta({ description: "the agency's IANA time zone, in which the console shows every time", examples: ['Asia/Taipei'] }),
  })
  .meta({ id: 'ConsoleSession' });
export type ConsoleSessionView = z.infer<typeof ConsoleSessionSchema>;
