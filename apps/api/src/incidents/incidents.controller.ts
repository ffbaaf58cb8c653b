import { Idempotent } from '../common/idempotency.js';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import { parseIfMatch } from '../common/if-match.js';
import { Problems } from '../common/problem.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { EvidenceService } from './evidence.service.js';
import { CreateEvidenceBody, CreateTransferBody, EvidencePage, EvidenceSchema, EvidenceTransferSchema } from './evidence.schema.js';
import { PageQuery } from '../common/schema.js';
import { CreateIncidentBody, IncidentPage, IncidentSchema, IncidentTransitions, ListIncidentsQuery, TimelinePage } from './incident.schema.js';
import { NotificationHistoryPageSchema } from '../notifications/notification-history.schema.js';
import { IncidentsService } from './incidents.service.js';
import { CSV_MEDIA_TYPE, IncidentCsvExport, wantsCsv } from './incident-csv.js';
import { Clock } from '../clock/clock.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,200}$/;

/** Who may file: every staff member (reporter role, article 41: everyone reports what they see). */
const FILERS = ['reporter'] as const;
/** Who handles evidence. */
const EVIDENCE_HANDLERS = ['responder', 'on_call_manager', 'ethics_officer', 'ciso'] as const;

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('api/incidents')
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly evidence: EvidenceService,
    private readonly csv: IncidentCsvExport,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Roles(...FILERS)
  @ApiOperation({ operationId: 'createIncident', summary: 'File an incident; the one-hour report clock starts at awareAt' })
  @ApiCreatedResponse({
    standardSchema: IncidentSchema,
    description: 'the incident (ETag: its version; Location); a replay of the same key and body answers the same incident',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'same key and body: the same incident; same key, other body: 422' })
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Headers('idempotency-key') key: string | undefined,
    @Body({ schema: CreateIncidentBody }) dto: CreateIncidentBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!key || !IDEMPOTENCY_KEY.test(key)) {
      throw Problems.field('Idempotency-Key', 'isIdempotencyKey', 'send an Idempotency-Key header of 8–200 letters, digits or ._:- (a UUID is a good choice)');
    }
    const { replayed, incident } = await this.incidents.create(user, actor, key, dto);
    res.status(201);
    res.setHeader('ETag', `"${incident.version}"`);
    res.setHeader('Location', `/api/incidents/${incident.id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return incident;
  }

  @Get()
  @ApiOperation({
    operationId: 'listIncidents',
    summary:
      'Incidents the caller can see, newest first; with Accept: text/csv or format=csv, all of them as a CSV file (bilingual headers, UTF-8 with BOM, titles withheld as in the JSON view)',
  })
  @ApiOkResponse({ standardSchema: IncidentPage })
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Query({ schema: ListIncidentsQuery }) query: ListIncidentsQuery,
    @RequestActor() actor: Actor,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!wantsCsv(query.format, accept)) return this.incidents.list(user, query);
    const { filename, body } = await this.csv.export(user, actor, query, this.clock.now());
    res.setHeader('Content-Type', `${CSV_MEDIA_TYPE}; charset=utf-8`);
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    return body;
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getIncident', summary: 'An incident (redacted for a reader not cleared for a restricted one, article 42); ETag: its version' })
  @ApiOkResponse({ standardSchema: IncidentSchema })
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const incident = await this.incidents.get(user, id);
    res.setHeader('ETag', `"${incident.version}"`);
    return incident;
  }

  @Get(':id/transitions')
  @ApiOperation({
    operationId: 'listIncidentTransitions',
    summary: 'The events the caller may send now: for each, the required fields, every field with its type and allowed values, and the pointer to its schema',
  })
  @ApiOkResponse({ standardSchema: IncidentTransitions })
  transitions(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.incidents.transitions(user, id);
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'sendIncidentEvent',
    summary:
      'Send a workflow event: 409 on a stale If-Match, 422 with allowedEvents when refused or for a system event (DEADLINE_PASSED), 403 when the role may not',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the incident version the event is based on' })
  @ApiOkResponse({ standardSchema: IncidentSchema, description: 'the incident after the event (ETag: its new version)' })
  // A retried event (a lost answer, a double click) answers the first result again and changes nothing.
  @Idempotent('sendIncidentEvent')
  // The body (IncidentEvent, a discriminated union with an example per type) is described by describeIncidentEvents.
  async event(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const incident = await this.incidents.applyEvent(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${incident.version}"`);
    return incident;
  }

  @Get(':id/timeline')
  @ApiOperation({ operationId: 'listIncidentTimeline', summary: 'The incident’s timeline in order (seq), a page at a time' })
  @ApiOkResponse({ standardSchema: TimelinePage })
  timeline(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PageQuery }) page: PageQuery) {
    return this.incidents.timeline(user, id, page);
  }

  @Get(':id/notifications')
  @ApiOperation({
    operationId: 'listIncidentNotifications',
    summary: 'Notification intents of the incident and their deliveries, oldest first, a page at a time',
  })
  @ApiOkResponse({ standardSchema: NotificationHistoryPageSchema })
  notifications(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PageQuery }) page: PageQuery) {
    return this.incidents.notifications(user, id, page);
  }

  @Get(':id/evidence')
  @Roles(...EVIDENCE_HANDLERS, 'auditor')
  @ApiOperation({ operationId: 'listEvidence', summary: 'The incident’s evidence in the order recorded, each with its chain of custody, a page at a time' })
  @ApiOkResponse({ standardSchema: EvidencePage })
  listEvidence(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Query({ schema: PageQuery }) page: PageQuery) {
    return this.evidence.list(user, id, page);
  }

  @Post(':id/evidence')
  @Roles(...EVIDENCE_HANDLERS)
  @ApiOperation({
    operationId: 'addEvidence',
    summary: 'Record an evidence item with its SHA-256 at collection; a collection time in the future or before the incident began is refused (422)',
  })
  @ApiCreatedResponse({ standardSchema: EvidenceSchema })
  @Idempotent('addEvidence')
  addEvidence(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Body({ schema: CreateEvidenceBody }) dto: CreateEvidenceBody,
  ) {
    return this.evidence.add(user, actor, id, dto);
  }

  @Post(':id/evidence/:evidenceId/transfers')
  @Roles(...EVIDENCE_HANDLERS)
  @ApiOperation({
    operationId: 'transferEvidence',
    summary:
      'Record a custody transfer; one dated in the future, before the collection or the previous transfer, or not from the current custodian is refused (422) and changes nothing; the hash is re-checked and a mismatch is refused (422) and recorded',
  })
  @ApiCreatedResponse({ standardSchema: EvidenceTransferSchema })
  @Idempotent('transferEvidence')
  transfer(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Param('evidenceId', uuidParam('evidenceId')) evidenceId: string,
    @Body({ schema: CreateTransferBody }) dto: CreateTransferBody,
  ) {
    return this.evidence.transfer(user, actor, id, evidenceId, dto);
  }
}
