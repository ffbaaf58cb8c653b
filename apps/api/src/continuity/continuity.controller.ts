import { Idempotent } from '../common/idempotency.js';
import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import { parseIfMatch } from '../common/if-match.js';
import { Problems } from '../common/problem.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CONTINUITY_READERS, CORRECTIVE_ACTION_FILERS, DRILL_PARTICIPANTS, PLAN_EDITORS } from './continuity-access.js';
import { PageQuery } from '../common/schema.js';
import { NotificationHistoryPageSchema } from '../notifications/notification-history.schema.js';
import { CorrectiveActionPage, CorrectiveActionSchema, ListCorrectiveActionsQuery } from './corrective-action.schema.js';
import { CorrectiveActionsService } from './corrective-actions.service.js';
import { DrillPage, DrillSchema, DrillTimelinePage, DrillTimelineQuery, DrillTransitionsSchema, ListDrillsQuery } from './drill.schema.js';
import { DrillsService } from './drills.service.js';
import {
  ListPlansQuery,
  PlanDiffQuery,
  PlanDiffSchema,
  PlanPage,
  PlanSchema,
  PlanVersionPage,
  PlanVersionSchema,
  PlanVersionsQuery,
  ProgrammeViewSchema,
} from './plan.schema.js';
import { PlansService } from './plans.service.js';

/*
 * Request bodies are checked by the services against the schemas of plan.schema.ts, drill.schema.ts,
 * drill-event.schema.ts and corrective-action.schema.ts (so the rule names stay the module's own,
 * see libs/workflows schema-issues.ts); continuity.openapi.ts puts the same schemas in the document.
 */

function versionParam(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw Problems.field(name, 'isVersion', `${name} is a plan version number (1, 2, …)`);
  return Number(value);
}

const IF_MATCH = { name: 'If-Match', required: true, description: 'the version being changed (the ETag of the last read)' } as const;

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
  @ApiOperation({ operationId: 'listPlans', summary: 'Continuity plans of the agencies the caller can see, newest first' })
  @ApiOkResponse({ standardSchema: PlanPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListPlansQuery }) q: ListPlansQuery) {
    return this.plans.list(user, q);
  }

  @Post()
  @Roles(...PLAN_EDITORS)
  @ApiOperation({
    operationId: 'createPlan',
    summary: 'Create a plan (version 1): scope, impact analysis per hazard (RTO < MTPD), activation criteria, procedures, contacts',
  })
  @ApiCreatedResponse({ standardSchema: PlanSchema })
  @Idempotent('createPlan')
  async create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const plan = await this.plans.create(user, actor, body);
    res.status(201);
    res.setHeader('ETag', `"${plan.version}"`);
    res.setHeader('Location', `/api/continuity/plans/${plan.id}`);
    return plan;
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getPlan', summary: 'A plan with its current document (withheld without clearance), its review clock and programme' })
  @ApiOkResponse({ standardSchema: PlanSchema })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const plan = await this.plans.get(user, id);
    res.setHeader('ETag', `"${plan.version}"`);
    return plan;
  }

  @Put(':id')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({
    operationId: 'updatePlan',
    summary: 'A new version of the plan, with changeReason (article 19); addressesDrillIds lets drills waiting for a plan change close',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ standardSchema: PlanSchema })
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
  @ApiOperation({ operationId: 'listPlanVersions', summary: 'The versions of a plan, newest first' })
  @ApiOkResponse({ standardSchema: PlanVersionPage })
  versions(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PlanVersionsQuery }) q: PlanVersionsQuery) {
    return this.plans.versions(user, id, q);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ operationId: 'getPlanVersion', summary: 'One version of a plan, with its document' })
  @ApiOkResponse({ standardSchema: PlanVersionSchema })
  version(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Param('version') version: string) {
    return this.plans.version(user, id, versionParam(version, 'version'));
  }

  @Get(':id/diff')
  @ApiOperation({ operationId: 'diffPlanVersions', summary: 'What changed between two versions (JSON Patch operations with the old values)' })
  @ApiOkResponse({ standardSchema: PlanDiffSchema })
  diff(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PlanDiffQuery }) q: PlanDiffQuery) {
    return this.plans.diff(user, id, q.from, q.to);
  }

  @Post(':id/drills')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({ operationId: 'scheduleDrill', summary: 'Schedule a drill outside the programme {scheduledFor, drillType, reminders?}' })
  @ApiCreatedResponse({ standardSchema: DrillSchema })
  @Idempotent('scheduleDrill')
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
  @ApiOperation({
    operationId: 'getPlanProgramme',
    summary: 'The drill programme, its drills of the coming two years and its waiting drill (ETag: the programme version)',
  })
  @ApiOkResponse({ standardSchema: ProgrammeViewSchema })
  async programme(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.plans.getProgramme(user, id);
    res.setHeader('ETag', `"${view.programmeVersion}"`);
    return view;
  }

  @Put(':id/programme')
  @Roles(...PLAN_EDITORS)
  @ApiOperation({
    operationId: 'replacePlanProgramme',
    summary:
      'Set the drill programme {rrule, drillType, reminders, afterActionWindow?}: the `programme` of GET …/programme is accepted back as it is; the next drill is scheduled at once',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'the programme version being replaced (the ETag of GET …/programme); when sent and stale, 409',
  })
  @ApiOkResponse({ standardSchema: ProgrammeViewSchema })
  async setProgramme(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const view = await this.plans.setProgramme(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${view.programmeVersion}"`);
    return view;
  }
}

@ApiTags('continuity')
@ApiBearerAuth()
@Controller('api/drills')
@Roles(...CONTINUITY_READERS)
export class DrillsController {
  constructor(private readonly drills: DrillsService) {}

  @Get()
  @ApiOperation({ operationId: 'listDrills', summary: 'Drills the caller can see, by scheduled time' })
  @ApiOkResponse({ standardSchema: DrillPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListDrillsQuery }) q: ListDrillsQuery) {
    return this.drills.list(user, q);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getDrill', summary: 'A drill (participants, observations and report withheld without clearance)' })
  @ApiOkResponse({ standardSchema: DrillSchema })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const drill = await this.drills.get(user, id);
    res.setHeader('ETag', `"${drill.version}"`);
    return drill;
  }

  @Get(':id/transitions')
  @ApiOperation({ operationId: 'listDrillTransitions', summary: 'The events the caller may send now, each with its fields and schema' })
  @ApiOkResponse({ standardSchema: DrillTransitionsSchema })
  transitions(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.drills.transitions(user, id);
  }

  @Get(':id/timeline')
  @ApiOperation({ operationId: 'listDrillTimeline', summary: 'What happened to the drill, oldest first' })
  @ApiOkResponse({ standardSchema: DrillTimelinePage })
  timeline(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: DrillTimelineQuery }) q: DrillTimelineQuery) {
    return this.drills.timeline(user, id, q);
  }

  @Get(':id/notifications')
  @ApiOperation({
    operationId: 'listDrillNotifications',
    summary: 'Notification intents of the drill and their deliveries, oldest first, a page at a time',
  })
  @ApiOkResponse({ standardSchema: NotificationHistoryPageSchema })
  notifications(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PageQuery }) page: PageQuery) {
    return this.drills.notifications(user, id, page);
  }

  @Post(':id/events')
  @HttpCode(200)
  @Roles(...DRILL_PARTICIPANTS)
  @ApiOperation({
    operationId: 'sendDrillEvent',
    summary:
      'START, RECORD_PARTICIPANT, RECORD_OBSERVATION, COMPLETE, SUBMIT_AFTER_ACTION, PLAN_UPDATED, CLOSE, CANCEL, RESCHEDULE (DEADLINE_PASSED is the system’s: 422)',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ standardSchema: DrillSchema, description: 'the drill after the event (ETag: its new version)' })
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
  @ApiOperation({ operationId: 'listCorrectiveActions', summary: 'Corrective actions in scope (plain staff: the ones they or their units own)' })
  @ApiOkResponse({ standardSchema: CorrectiveActionPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListCorrectiveActionsQuery }) q: ListCorrectiveActionsQuery) {
    return this.actions.list(user, q);
  }

  @Post()
  @Roles(...CORRECTIVE_ACTION_FILERS)
  @ApiOperation({ operationId: 'createCorrectiveAction', summary: 'File a corrective action for an incident improvement report (or a drill) by hand' })
  @ApiCreatedResponse({ standardSchema: CorrectiveActionSchema })
  @Idempotent('createCorrectiveAction')
  async create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const action = await this.actions.create(user, actor, body);
    res.status(201);
    res.setHeader('ETag', `"${action.version}"`);
    return action;
  }

  @Get(':id')
  @Roles(...CONTINUITY_READERS, 'reporter')
  @ApiOperation({ operationId: 'getCorrectiveAction', summary: 'A corrective action with its clocks' })
  @ApiOkResponse({ standardSchema: CorrectiveActionSchema })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const action = await this.actions.get(user, id);
    res.setHeader('ETag', `"${action.version}"`);
    return action;
  }

  @Patch(':id')
  @Roles(...CONTINUITY_READERS, 'reporter')
  @ApiOperation({
    operationId: 'updateCorrectiveAction',
    summary: 'Work on an action: status (open → in_progress → done → verified by someone else), note, dueAt, owner',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ standardSchema: CorrectiveActionSchema })
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
