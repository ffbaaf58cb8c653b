import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import { IsInstant } from '../common/instant.js';
import { PageQuery } from '../common/paging.js';
import { parseIfMatch } from '../common/if-match.js';
import { Problems } from '../common/problem.js';
import { LowerCaseUuid } from '../common/uuid-field.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CONTINUITY_READERS, CORRECTIVE_ACTION_FILERS, DRILL_PARTICIPANTS, PLAN_EDITORS } from './continuity-access.js';
import { CorrectiveActionsService } from './corrective-actions.service.js';
import { DrillsService } from './drills.service.js';
import { PlansService } from './plans.service.js';

function versionParam(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw Problems.field(name, 'isVersion', `${name} is a plan version number (1, 2, …)`);
  return Number(value);
}

class ListPlansQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @LowerCaseUuid() agencyId?: string;
}

class ListDrillsQueryDto extends PageQuery {
  @ApiPropertyOptional({ description: 'ISO instant: drills scheduled at or after' }) @IsOptional() @IsInstant() from?: string;
  @ApiPropertyOptional({ description: 'ISO instant: drills scheduled before' }) @IsOptional() @IsInstant() to?: string;
  @ApiPropertyOptional() @IsOptional() @LowerCaseUuid() agencyId?: string;
  @ApiPropertyOptional() @IsOptional() @LowerCaseUuid() planId?: string;
  @ApiPropertyOptional({ enum: ['scheduled', 'overdue', 'in_progress', 'debrief', 'improvement', 'closed', 'cancelled'] })
  @IsOptional()
  @IsIn(['scheduled', 'overdue', 'in_progress', 'debrief', 'improvement', 'closed', 'cancelled'])
  state?: string;
}

class ListCorrectiveActionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['open', 'in_progress', 'done', 'verified', 'cancelled'] })
  @IsOptional()
  @IsIn(['open', 'in_progress', 'done', 'verified', 'cancelled'])
  status?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) overdue?: string;
  @ApiPropertyOptional({ enum: ['drill', 'incident'] }) @IsOptional() @IsIn(['drill', 'incident']) sourceType?: string;
  @ApiPropertyOptional() @IsOptional() @LowerCaseUuid() sourceId?: string;
  @ApiPropertyOptional() @IsOptional() @LowerCaseUuid() agencyId?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only actions owned by me or my units' }) @IsOptional() @IsIn(['true', 'false']) mine?: string;
}

class DiffQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() to?: string;
}

@ApiTags('continuity')
@ApiBearerAuth()
@Controller('api/continuity/plans')
@Roles(...CONTINUITY_READERS)
export class PlansController {
  constructor(
    private readonly plans: PlansService,
    private readonly drills: DrillsService,
  ) {}

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListPlansQuery) {
    return this.plans.list(user, q);
  }

  @Post()
  @Roles(...PLAN_EDITORS)
  @ApiOperation({ summary: 'Create a plan (version 1): scope, impact analysis per hazard (RTO < MTPD), activation criteria, procedures, contacts' })
  @ApiBody({ schema: { type: 'object' } })
  async create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const plan = await this.plans.create(user, actor, body);
    res.status(201);
    res.setHeader('ETag', `"${plan.version}"`);
    res.setHeader('Location', `/api/continuity/plans/${plan.id}`);
    return plan;
  }

  @Get(':id')
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const plan = await this.plans.get(user, id);
    res.setHeader('ETag', `"${plan.version}"`);
    return plan;
  }

  @Put(':id')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({ summary: 'A new version of the plan, with changeReason (article 19); addressesDrillIds lets drills waiting for a plan change close' })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the version being edited' })
  @ApiBody({ schema: { type: 'object', required: ['changeReason'] } })
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const plan = await this.plans.update(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${plan.version}"`);
    return plan;
  }

  @Get(':id/versions')
  versions(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.plans.versions(user, id);
  }

  @Get(':id/versions/:version')
  version(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Param('version') version: string) {
    return this.plans.version(user, id, versionParam(version, 'version'));
  }

  @Get(':id/diff')
  @ApiOperation({ summary: 'What changed between two versions (JSON Patch operations with the old values)' })
  diff(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query() q: DiffQuery) {
    return this.plans.diff(user, id, versionParam(q.from, 'from'), versionParam(q.to, 'to'));
  }

  @Post(':id/drills')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({ summary: 'Schedule a drill outside the programme {scheduledFor, drillType, reminders?}' })
  @ApiBody({ schema: { type: 'object', required: ['scheduledFor', 'drillType'] } })
  async scheduleDrill(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const drill = await this.drills.scheduleOneOff(user, actor, id, body);
    res.status(201);
    res.setHeader('ETag', `"${drill.version}"`);
    res.setHeader('Location', `/api/drills/${drill.id}`);
    return drill;
  }

  @Get(':id/programme')
  programme(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.plans.getProgramme(user, id);
  }

  @Put(':id/programme')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({ summary: 'Set the drill programme {rrule, drillType, reminders, afterActionWindow?}; the next drill is scheduled at once' })
  @ApiBody({ schema: { type: 'object', required: ['rrule', 'drillType'] } })
  setProgramme(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.plans.setProgramme(user, actor, id, body);
  }
}

@ApiTags('continuity')
@ApiBearerAuth()
@Controller('api/drills')
@Roles(...CONTINUITY_READERS)
export class DrillsController {
  constructor(private readonly drills: DrillsService) {}

  @Get()
  @ApiOperation({ summary: 'Drills the caller can see, by scheduled time' })
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListDrillsQueryDto) {
    return this.drills.list(user, q);
  }

  @Get(':id')
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const drill = await this.drills.get(user, id);
    res.setHeader('ETag', `"${drill.version}"`);
    return drill;
  }

  @Get(':id/transitions')
  transitions(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.drills.transitions(user, id);
  }

  @Get(':id/timeline')
  timeline(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.drills.timeline(user, id);
  }

  @Get(':id/notifications')
  @ApiOperation({ summary: 'Notification intents of the drill and their deliveries' })
  notifications(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.drills.notifications(user, id);
  }

  @Post(':id/events')
  @HttpCode(200)
  @Roles(...DRILL_PARTICIPANTS)
  @ApiOperation({ summary: 'START, RECORD_PARTICIPANT, RECORD_OBSERVATION, COMPLETE, SUBMIT_AFTER_ACTION, PLAN_UPDATED, CLOSE, CANCEL, RESCHEDULE' })
  @ApiHeader({ name: 'If-Match', required: true })
  @ApiBody({ schema: { type: 'object', required: ['type'], properties: { type: { type: 'string', example: 'START' } } } })
  async event(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const drill = await this.drills.applyEvent(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${drill.version}"`);
    return drill;
  }
}

@ApiTags('continuity')
@ApiBearerAuth()
@Controller('api/corrective-actions')
export class CorrectiveActionsController {
  constructor(private readonly actions: CorrectiveActionsService) {}

  @Get()
  @Roles(...CONTINUITY_READERS, 'reporter')
  @ApiOperation({ summary: 'Corrective actions in scope (plain staff: the ones they or their units own)' })
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListCorrectiveActionsQuery) {
    return this.actions.list(user, q);
  }

  @Post()
  @Roles(...CORRECTIVE_ACTION_FILERS)
  @ApiOperation({ summary: 'File a corrective action for an incident improvement report (or a drill) by hand' })
  @ApiBody({ schema: { type: 'object', required: ['sourceType', 'sourceId', 'title', 'dueAt'] } })
  async create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const action = await this.actions.create(user, actor, body);
    res.status(201);
    res.setHeader('ETag', `"${action.version}"`);
    return action;
  }

  @Get(':id')
  @Roles(...CONTINUITY_READERS, 'reporter')
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const action = await this.actions.get(user, id);
    res.setHeader('ETag', `"${action.version}"`);
    return action;
  }

  @Patch(':id')
  @Roles(...CONTINUITY_READERS, 'reporter')
  @ApiOperation({ summary: 'Work on an action: status (open → in_progress → done → verified by someone else), note, dueAt, owner' })
  @ApiHeader({ name: 'If-Match', required: true })
  @ApiBody({ schema: { type: 'object' } })
  async patch(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const action = await this.actions.patch(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${action.version}"`);
    return action;
  }
}
