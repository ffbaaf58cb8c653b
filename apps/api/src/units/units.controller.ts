import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { Idempotent } from '../common/idempotency.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES } from '../identity/roles.js';
import { CreateUnitBody, ListUnitsQuery, UnitPage, UnitSchema } from './unit.schema.js';
import { UnitsService } from './units.service.js';

@ApiTags('units')
@ApiBearerAuth()
@Controller('api/units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Get()
  @ApiOperation({ operationId: 'listUnits', summary: 'Units of the agencies the caller can see, by name' })
  @ApiOkResponse({ standardSchema: UnitPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListUnitsQuery }) query: ListUnitsQuery) {
    return this.units.list(user, query);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ operationId: 'createUnit', summary: 'Create a unit (IT, business, ethics, leadership, other) of an agency (admin)' })
  @ApiCreatedResponse({ standardSchema: UnitSchema })
  @Idempotent('createUnit')
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body({ schema: CreateUnitBody }) dto: CreateUnitBody) {
    return this.units.create(user, actor, dto);
  }
}
