import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CalendarQuery, CreateOverrideDto, CreateScheduleDto, ListSchedulesQuery, OnCallQuery } from './oncall.dto.js';
import { OnCallService } from './oncall.service.js';

/** Who manages schedules: admins and on-call managers. */
const SCHEDULERS = ['admin', 'on_call_manager'] as const;

@ApiTags('on-call')
@ApiBearerAuth()
@Controller('api/on-call')
export class OnCallController {
  constructor(private readonly oncall: OnCallService) {}

  @Get('now')
  @ApiOperation({ summary: 'Who is on call now (or at `at`) in each schedule of the agency' })
  now(@CurrentUser() user: AuthenticatedUser, @Query() q: OnCallQuery) {
    return this.oncall.now(user, q.agencyId, q.at);
  }

  @Get('calendar')
  @ApiOperation({ summary: 'The shifts of each schedule between from and to (at most 92 days)' })
  calendar(@CurrentUser() user: AuthenticatedUser, @Query() q: CalendarQuery) {
    return this.oncall.calendar(user, q);
  }

  @Get('schedules')
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListSchedulesQuery) {
    return this.oncall.list(user, q.agencyId);
  }

  @Post('schedules')
  @Roles(...SCHEDULERS)
  @ApiOperation({ summary: 'Create a schedule: rotation layers (daily/weekly hand-off at a local time)' })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateScheduleDto) {
    return this.oncall.create(user, actor, dto);
  }

  @Post('schedules/:id/overrides')
  @Roles(...SCHEDULERS)
  @ApiOperation({ summary: 'Put someone on call for a period, over the rotation' })
  override(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string, @Body() dto: CreateOverrideDto) {
    return this.oncall.addOverride(user, actor, id, dto);
  }
}
