import { Controller, Delete, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import * as z from 'zod';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Public, Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CALENDAR_ROLES, CalendarService } from './calendar.service.js';

export const CalendarFeedQuery = z.strictObject({
  token: z.string().max(200).optional().meta({ description: 'the secret of the feed URL from POST /api/drills/calendar-feed' }),
});
export type CalendarFeedQuery = z.output<typeof CalendarFeedQuery>;

export const CalendarFeedSchema = z
  .strictObject({
    url: z.string().meta({ description: 'the secret feed URL (shown once)', examples: ['https://irbc.example.gov.tw/api/drills/calendar.ics?token=…'] }),
    rotated: z.boolean().meta({ description: 'whether an earlier URL stopped working' }),
  })
  .meta({ id: 'CalendarFeed' });

export const CalendarFeedStatusSchema = z
  .strictObject({
    active: z.boolean().meta({ description: 'whether you have a drill calendar URL that works' }),
    createdAt: z
      .string()
      .nullable()
      .meta({ format: 'date-time', description: 'when that URL was made (null without one)', examples: ['2026-03-02T01:00:00.000Z'] }),
  })
  .meta({ id: 'CalendarFeedStatus', description: 'whether you have a drill calendar URL; the URL itself is shown only when it is made' });

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
  @ApiOperation({
    operationId: 'createDrillCalendarFeed',
    summary: 'Create or rotate your secret drill calendar URL (shown once; the previous URL stops working)',
  })
  @ApiCreatedResponse({ standardSchema: CalendarFeedSchema })
  async createFeed(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const feed = await this.calendar.createFeed(user, actor);
    res.setHeader('Cache-Control', 'no-store');
    return feed;
  }

  @Get('calendar-feed')
  @ApiBearerAuth()
  @ApiOperation({ operationId: 'getDrillCalendarFeed', summary: 'Whether you have a drill calendar URL and since when (never the URL: it is shown once)' })
  @ApiOkResponse({ standardSchema: CalendarFeedStatusSchema })
  async feedStatus(@CurrentUser() user: AuthenticatedUser) {
    const status = await this.calendar.feedStatus(user);
    return status;
  }

  @Delete('calendar-feed')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteDrillCalendarFeed', summary: 'Revoke your drill calendar URL' })
  async revokeFeed(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<void> {
    await this.calendar.revokeFeed(user, actor);
  }

  @Get('calendar.ics')
  @Public()
  @ApiBearerAuth()
  @ApiOkResponse({
    description: 'an iCalendar (RFC 5545) document',
    content: { 'text/calendar': { schema: { type: 'string', examples: ['BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…END:VCALENDAR\r\n'] } } },
  })
  @ApiOperation({
    operationId: 'getDrillCalendar',
    summary:
      'The drills you may see as iCalendar: one recurring event per plan programme (RRULE in its time zone, reminders as alarms), rescheduled drills as overrides, one-off drills as events. Authenticate with ?token= or a bearer token.',
  })
  async feed(
    @Query({ schema: CalendarFeedQuery }) q: CalendarFeedQuery,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const reader = await this.calendar.resolveReader(q.token, authorization);
    const body = await this.calendar.feed(reader);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Disposition', 'inline; filename="drills.ics"');
    return body;
  }
}
