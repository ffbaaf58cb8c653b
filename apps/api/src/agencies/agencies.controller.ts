import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES, POLICY_EDITOR_ROLES } from '../identity/roles.js';
import { DEFAULT_POLICY } from './agency-policy.js';
import { CreateAgencyDto, ListAgenciesQuery } from './agency.dto.js';
import { AgenciesService } from './agencies.service.js';

@ApiTags('agencies')
@ApiBearerAuth()
@Controller('api/agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @Get()
  @ApiOperation({ summary: 'Agencies the caller can see (its own, and subordinates where its role allows)' })
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListAgenciesQuery) {
    return this.agencies.list(user, query.limit ?? 50, query.cursor);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ summary: 'Create a subordinate agency (admin)' })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateAgencyDto) {
    return this.agencies.create(user, actor, dto);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.agencies.get(user, id);
  }

  @Get(':id/policy')
  @ApiOperation({ summary: "The agency's clocks, acknowledgement timeout, escalation steps and account rules (ISO 8601 durations)" })
  policy(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.agencies.policy(user, id);
  }

  @Put(':id/policy')
  @HttpCode(200)
  @Roles(...POLICY_EDITOR_ROLES)
  @ApiOperation({ summary: 'Replace the policy; a clock may be shortened, never lengthened beyond the law' })
  @ApiBody({ schema: { type: 'object', example: DEFAULT_POLICY } })
  replacePolicy(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.agencies.replacePolicy(user, actor, id, body);
  }
}
