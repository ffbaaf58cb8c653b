import { Body, Controller, Get, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { UserSchema } from '../users/user.schema.js';
import { UsersService } from '../users/users.service.js';
import { ChangePasswordBody, LoginBody, LoginResultSchema, PasswordChangedSchema, type PasswordChanged } from './auth.schema.js';
import { consoleSessionCookie, consoleSessionToken, setConsoleSessionCookie } from './console-session.js';
import { AuthService } from './auth.service.js';
import { ClearConsoleSession } from './clear-console-session.interceptor.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { AllowedBeforePasswordChange, Public } from './decorators.js';
import { CurrentUser, RequestActor, type RequestWithUser } from './request-context.js';

@ApiTags('identity')
@Controller('api')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'login',
    summary:
      'Log in; returns an opaque bearer token. mustChangePassword=true allows only a password change. Every refusal (unknown account, wrong password, locked, disabled, expired) is the same 401 invalid-credentials; after too many refusals for the account or from the client address (LOGIN_REFUSALS_PER_ACCOUNT, LOGIN_REFUSALS_PER_ADDRESS within LOGIN_THROTTLE_WINDOW) 429 with Retry-After, whatever the password',
  })
  @ApiOkResponse({ standardSchema: LoginResultSchema })
  login(@Body({ schema: LoginBody }) dto: LoginBody, @Req() req: RequestWithUser) {
    return this.auth.login(dto.email, dto.password, {
      ip: req.ip ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      requestId: typeof req.id === 'string' ? req.id : null,
    });
  }

  @Post('auth/logout')
  @HttpCode(204)
  @UseInterceptors(ClearConsoleSession)
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @ApiOperation({ operationId: 'logout', summary: 'End this session' })
  @ApiNoContentResponse({ description: 'the session ended' })
  async logout(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<void> {
    await this.auth.logout(user, actor);
  }

  @Post('auth/password')
  @HttpCode(200)
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @ApiOperation({
    operationId: 'changePassword',
    summary:
      'Change your password. Every session of yours ends, this one too, and a new session replaces it (rotation): its token is in the answer, or for the console in its cookie',
  })
  @ApiOkResponse({ standardSchema: PasswordChangedSchema })
  async changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Body({ schema: ChangePasswordBody }) dto: ChangePasswordBody,
    @Req() req: RequestWithUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PasswordChanged> {
    const session = await this.auth.changePassword(user, dto.currentPassword, dto.newPassword, actor, {
      ip: req.ip ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
    });
    // Signed in by the console's cookie (no bearer token sent): the new session goes into the cookie, never to page scripts.
    if (req.headers.authorization === undefined && consoleSessionToken(req) !== undefined) {
      setConsoleSessionCookie(res, consoleSessionCookie(session.token, this.config));
      return { expiresAt: session.expiresAt };
    }
    return session;
  }

  @Get('me')
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @ApiOperation({ operationId: 'getMe', summary: 'Your own account, its full record (mustChangePassword also true when the password is past its age)' })
  @ApiOkResponse({ standardSchema: UserSchema })
  async me(@CurrentUser() user: AuthenticatedUser) {
    const profile = await this.users.get(user, user.id);
    return { ...profile, mustChangePassword: user.mustChangePassword };
  }
}
