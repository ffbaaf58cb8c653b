import { Controller, Delete, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Public, Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CALENDAR_ROLES, CalendarService } from './calendar.service.js';

export class CalendarFeedQuery {
  @ApiPropertyOptional({ description: 'the secret of the feed URL from POST /api/drills/calendar-feed' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  token?: string;
}

/**
 * The drill calendar: a per-user secret iCalendar feed URL (created, rotated and revoked here with
 * a session) that calendar apps subscribe to without one.
 */
@ApiTags('continuity')
@Controller('api/drills')
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @Post('calendar-feed')
  @ApiBearerAuth()
  @Roles(...CALENDAR_ROLES)
  @ApiOperation({ summary: 'Create or rotate your secret drill calendar URL (shown once; the previous URL stops working)' })
  async createFeed(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const feed = await this.calendar.createFeed(user, actor);
    res.setHeader('Cache-Control', 'no-store');
    return feed;
  }

  @Delete('calendar-feed')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke your drill calendar URL' })
  async revokeFeed(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<void> {
    await this.calendar.revokeFeed(user, actor);
  }

  @Get('calendar.ics')
  @Public()
  @ApiBearerAuth()
  @ApiProduces('text/calendar')
  @ApiOperation({
    summary:
      'The drills you may see as iCalendar: one recurring event per plan programme (RRULE in its time zone, reminders as alarms), rescheduled drills as overrides, one-off drills as events. Authenticate with ?token= or a bearer token.',
  })
  async feed(@Query() q: CalendarFeedQuery, @Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response) {
    const reader = await this.calendar.resolveReader(q.token, authorization);
    const body = await this.calendar.feed(reader);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Disposition', 'inline; filename="drills.ics"');
    return body;
  }
}
