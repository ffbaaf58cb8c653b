import { Body, Controller, Get, HttpCode, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { UsersService } from '../users/users.service.js';
import { ChangePasswordDto, LoginDto } from './auth.dto.js';
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
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in; returns a bearer token. mustChangePassword=true allows only a password change.' })
  login(@Body() dto: LoginDto, @Req() req: RequestWithUser) {
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
  async logout(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<void> {
    await this.auth.logout(user, actor);
  }

  @Post('auth/password')
  @HttpCode(204)
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @ApiOperation({ summary: 'Change your password; your other sessions end' })
  async changePassword(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.auth.changePassword(user, dto.currentPassword, dto.newPassword, actor);
  }

  @Get('me')
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  async me(@CurrentUser() user: AuthenticatedUser) {
    const profile = await this.users.get(user, user.id);
    return { ...profile, mustChangePassword: user.mustChangePassword };
  }
}
