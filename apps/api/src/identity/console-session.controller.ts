import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { AuthService } from './auth.service.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { consoleSessionCookie, setConsoleSessionCookie } from './console-session.js';
import { ConsoleLoginBody, ConsoleSessionSchema, type ConsoleSessionView } from './console-session.schema.js';
import { assertConsoleRequest } from './cross-site-check.js';
import { AllowedBeforePasswordChange, Public } from './decorators.js';
import { CurrentUser, type RequestWithUser } from './request-context.js';

const CONSOLE_HEADER_DOC = { name: 'X-IRBC-Console', required: true, description: 'must be 1 (with an Origin of the console: cross-site request check)' };

/** The web console's sign-in: the session token goes into an HttpOnly cookie, never into the page. */
@ApiTags('identity')
@Controller('api/auth')
export class ConsoleSessionController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  private async agencyTimezone(agencyId: string): Promise<string> {
    const rows: Array<{ timezone: string }> = await this.dataSource.query('SELECT timezone FROM agencies WHERE id = $1', [agencyId]);
    return rows[0]?.timezone ?? 'Asia/Taipei';
  }

  @Post('console-login')
  @Public()
  @HttpCode(200)
  @ApiHeader(CONSOLE_HEADER_DOC)
  @ApiOperation({
    operationId: 'loginConsole',
    summary:
      'Log in from the web console: answers as login does but without the token, which is set as the HttpOnly, SameSite=Strict cookie irbc_session (Secure behind https). Needs X-IRBC-Console: 1 and the console’s Origin.',
  })
  @ApiOkResponse({ standardSchema: ConsoleSessionSchema })
  async login(
    @Body({ schema: ConsoleLoginBody }) dto: ConsoleLoginBody,
    @Req() req: RequestWithUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConsoleSessionView> {
    assertConsoleRequest(req, this.config);
    const { token, ...session } = await this.auth.login(dto.email, dto.password, {
      ip: req.ip ?? null,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
      requestId: typeof req.id === 'string' ? req.id : null,
    });
    setConsoleSessionCookie(res, consoleSessionCookie(token, this.config));
    return { ...session, agencyTimezone: await this.agencyTimezone(session.user.agencyId) };
  }

  @Get('console-session')
  @ApiCookieAuth('console')
  @ApiBearerAuth()
  @AllowedBeforePasswordChange()
  @ApiOperation({ operationId: 'getConsoleSession', summary: 'The signed-in session as the console sees it (by its cookie or a bearer token)' })
  @ApiOkResponse({ standardSchema: ConsoleSessionSchema })
  async session(@CurrentUser() user: AuthenticatedUser): Promise<ConsoleSessionView> {
    const rows: Array<{ expires_at: Date }> = await this.dataSource.query('SELECT expires_at FROM sessions WHERE id = $1', [user.sessionId]);
    return {
      expiresAt: (rows[0]?.expires_at ?? new Date()).toISOString(),
      mustChangePassword: user.mustChangePassword,
      user: { id: user.id, email: user.email, name: user.name, agencyId: user.agencyId, roles: user.roles, locale: user.locale },
      agencyTimezone: await this.agencyTimezone(user.agencyId),
    };
  }
}
