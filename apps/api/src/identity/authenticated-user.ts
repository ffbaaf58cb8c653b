import type { Locale } from '../users/user.entity.js';
import type { Role } from './roles.js';

/** The signed-in caller, as the auth guard puts it on the request. */
export interface AuthenticatedUser {
  id: string;
  sessionId: string;
  agencyId: string;
  email: string;
  name: string;
  locale: Locale;
  roles: Role[];
  mustChangePassword: boolean;
}
