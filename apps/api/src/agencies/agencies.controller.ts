import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import { Idempotent } from '../common/idempotency.js';
import { parseIfMatch } from '../common/if-match.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES, POLICY_EDITOR_ROLES } from '../identity/roles.js';
import { AgencyPolicyView } from './agency-policy.schema.js';
import { AgencyPolicyBody } from './agency-policy.validate.js';
import { AgencyPage, AgencySchema, CreateAgencyBody, ListAgenciesQuery } from './agency.schema.js';
import { AgenciesService } from './agencies.service.js';

const ETAG = { ETag: { description: 'the policy version, to send back as If-Match', schema: { type: 'string', examples: ['"3"'] } } } as const;
const LOCATION = { Location: { description: 'the new agency: /api/agencies/{id}', schema: { type: 'string' } } } as const;

@ApiTags('agencies')
@ApiBearerAuth()
@Controller('api/agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @Get()
  @ApiOperation({ operationId: 'listAgencies', summary: 'Agencies the caller can see (its own, and subordinates where its role allows), by code' })
  @ApiOkResponse({ standardSchema: AgencyPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListAgenciesQuery }) query: ListAgenciesQuery) {
    return this.agencies.list(user, query.limit ?? 50, query.cursor);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ operationId: 'createAgency', summary: 'Create a subordinate agency (admin), with the default policy of the law' })
  @ApiCreatedResponse({ standardSchema: AgencySchema, headers: LOCATION })
  @Idempotent('createAgency')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Body({ schema: CreateAgencyBody }) dto: CreateAgencyBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const agency = await this.agencies.create(user, actor, dto);
    res.setHeader('Location', `/api/agencies/${agency.id}`);
    return agency;
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getAgency', summary: 'An agency the caller can see' })
  @ApiOkResponse({ standardSchema: AgencySchema })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.agencies.get(user, id);
  }

  @Get(':id/policy')
  @ApiOperation({
    operationId: 'getAgencyPolicy',
    summary:
      "The agency's clocks, acknowledgement timeout, escalation steps and account rules (ISO 8601 durations), with its version (also the ETag); `policy` is what PUT takes back",
  })
  @ApiOkResponse({ standardSchema: AgencyPolicyView, headers: ETAG })
  async getPolicy(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    const policy = await this.agencies.policy(user, id);
    res.setHeader('ETag', `"${policy.version}"`);
    return policy;
  }

  @Put(':id/policy')
  @HttpCode(200)
  @Roles(...POLICY_EDITOR_ROLES)
  @ApiOperation({
    operationId: 'replaceAgencyPolicy',
    summary:
      'Replace the policy. The body is the `policy` of GET /api/agencies/{id}/policy, edited (the editable part: agencyId and version are not sent; the version goes in If-Match). A clock may be shortened, never lengthened beyond the law. 428 without If-Match, 409 when the policy changed since (currentVersion)',
  })
  @ApiBody({ description: 'the `policy` of GET …/policy, edited; reportReminderLead may be left out (the default applies)', required: true })
  @ApiHeader({ name: 'If-Match', required: true, description: 'the policy version edited (GET’s `version`, its ETag), e.g. "3"' })
  @ApiOkResponse({ standardSchema: AgencyPolicyView, headers: ETAG })
  async replacePolicy(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body({ schema: AgencyPolicyBody }) body: AgencyPolicyBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const policy = await this.agencies.replacePolicy(user, actor, id, parseIfMatch(ifMatch), body);
    res.setHeader('ETag', `"${policy.version}"`);
    return policy;
  }
}
