import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles.js';

export const PUBLIC_ROUTE = 'identity:public';
export const ALLOWED_ROLES = 'identity:roles';
export const ALLOWED_BEFORE_PASSWORD_CHANGE = 'identity:before-password-change';

/** No session needed (login, health, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Only callers holding one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);

/** Reachable while the password must be changed (change it, log out, read yourself). */
export const AllowedBeforePasswordChange = () => SetMetadata(ALLOWED_BEFORE_PASSWORD_CHANGE, true);
