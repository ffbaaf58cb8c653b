import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { Idempotent } from '../common/idempotency.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import {
  CalendarQuery,
  CalendarSchema,
  CreateOverrideBody,
  CreateScheduleBody,
  ListSchedulesQuery,
  OnCallNowQuery,
  OnCallNowSchema,
  OverrideSchema,
  SchedulePage,
  ScheduleSchema,
} from './oncall.schema.js';
import { OnCallService } from './oncall.service.js';

/** Who manages schedules: admins and on-call managers. */
const SCHEDULERS = ['admin', 'on_call_manager'] as const;

@ApiTags('on-call')
@ApiBearerAuth()
@Controller('api/on-call')
export class OnCallController {
  constructor(private readonly oncall: OnCallService) {}

  @Get('now')
  @ApiOperation({ operationId: 'getOnCallNow', summary: 'Who is on call now (or at `at`) in each schedule of the agency, a page of schedules by name' })
  @ApiOkResponse({ standardSchema: OnCallNowSchema })
  now(@CurrentUser() user: AuthenticatedUser, @Query({ schema: OnCallNowQuery }) q: OnCallNowQuery) {
    return this.oncall.now(user, q);
  }

  @Get('calendar')
  @ApiOperation({ operationId: 'getOnCallCalendar', summary: 'The shifts of each schedule between from and to (at most 92 days), a page of schedules by name' })
  @ApiOkResponse({ standardSchema: CalendarSchema })
  calendar(@CurrentUser() user: AuthenticatedUser, @Query({ schema: CalendarQuery }) q: CalendarQuery) {
    return this.oncall.calendar(user, q);
  }

  @Get('schedules')
  @ApiOperation({ operationId: 'listOnCallSchedules', summary: "The agency's on-call schedules with their layers and overrides, by name" })
  @ApiOkResponse({ standardSchema: SchedulePage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListSchedulesQuery }) q: ListSchedulesQuery) {
    return this.oncall.list(user, q);
  }

  @Post('schedules')
  @Roles(...SCHEDULERS)
  @ApiOperation({ operationId: 'createOnCallSchedule', summary: 'Create a schedule: rotation layers (daily/weekly hand-off at a local time)' })
  @ApiCreatedResponse({ standardSchema: ScheduleSchema })
  @Idempotent('createOnCallSchedule')
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body({ schema: CreateScheduleBody }) dto: CreateScheduleBody) {
    return this.oncall.create(user, actor, dto);
  }

  @Post('schedules/:id/overrides')
  @Roles(...SCHEDULERS)
  @ApiOperation({ operationId: 'createOnCallOverride', summary: 'Put someone on call for a period, over the rotation' })
  @ApiCreatedResponse({ standardSchema: OverrideSchema })
  @Idempotent('createOnCallOverride')
  override(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Body({ schema: CreateOverrideBody }) dto: CreateOverrideBody,
  ) {
    return this.oncall.addOverride(user, actor, id, dto);
  }
}
