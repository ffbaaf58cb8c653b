import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import { consoleSessionToken } from './console-session.js';
import { assertConsoleRequest, isSafeMethod } from './cross-site-check.js';
import { ALLOWED_BEFORE_PASSWORD_CHANGE, ALLOWED_ROLES, PUBLIC_ROUTE } from './decorators.js';
import type { RequestWithUser } from './request-context.js';
import { hasAnyRole, type Role } from './roles.js';

/**
 * Global guard: every route needs a live session unless marked @Public. The session and the
 * account are checked on every request (disabled, expired, revoked: refused at once), a password
 * past its age blocks everything but changing it, and @Roles limits a route to some roles.
 * Refusals are audited by the problem filter.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<RequestWithUser>();
    const header = req.headers.authorization;
    // The console's cookie stands in for the header when none is sent; its writes must pass the cross-site check.
    const cookieToken = header === undefined ? consoleSessionToken(req) : undefined;
    if (cookieToken && !isSafeMethod(req.method)) assertConsoleRequest(req, this.config);
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header.trim()) : null;
    if (!match && !cookieToken)
      throw new ProblemException(
        'unauthenticated',
        {
          'zh-TW': '請以 Authorization: Bearer <token> 標頭送出 POST /api/auth/login 取得的權杖',
          en: 'send Authorization: Bearer <token> from POST /api/auth/login',
        },
        {
          reason: header ? 'malformed-authorization' : 'missing-authorization',
        },
      );
    const { user, refusal } = await this.auth.authenticate(cookieToken ?? match![1]!);
    if (!user) {
      const type = refusal === 'account-disabled' ? 'account-disabled' : refusal === 'account-expired' ? 'account-expired' : 'unauthenticated';
      throw new ProblemException(
        type,
        { 'zh-TW': `工作階段已失效（${refusal}），請重新登入`, en: `the session is not valid (${refusal}); log in again` },
        { reason: refusal },
      );
    }
    req.user = user;
    if (user.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOWED_BEFORE_PASSWORD_CHANGE, targets)) {
      throw new ProblemException(
        'password-change-required',
        { 'zh-TW': '請先以 POST /api/auth/password 變更密碼，才能進行其他操作', en: 'change your password with POST /api/auth/password before anything else' },
        { reason: 'password-change-required' },
      );
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (roles && !hasAnyRole(user.roles, roles)) {
      throw new ProblemException(
        'forbidden',
        { 'zh-TW': `需要下列角色之一：${roles.join('、')}`, en: `this needs one of the roles: ${roles.join(', ')}` },
        { reason: 'role', requiredRoles: roles },
      );
    }
    return true;
  }
}
