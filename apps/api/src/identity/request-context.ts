import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from './authenticated-user.js';

/** pino-http sets `id` (the request id); the auth guard sets `user`. */
export type RequestWithUser = Request & { user?: AuthenticatedUser };

export function actorOf(req: RequestWithUser): Actor {
  const user = req.user;
  return {
    userId: user?.id ?? null,
    label: user?.email ?? null,
    agencyId: user?.agencyId ?? null,
    requestId: typeof req.id === 'string' ? req.id : null,
  };
}

/** The signed-in user (guaranteed by the global auth guard on non-public routes). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedUser => {
  const req = ctx.switchToHttp().getRequest<RequestWithUser>();
  if (!req.user) throw new Error('CurrentUser used on a public route');
  return req.user;
});

/** The audit actor of this request: user, agency and request id. */
export const RequestActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => actorOf(ctx.switchToHttp().getRequest<RequestWithUser>()));
