import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES } from '../identity/roles.js';
import { CreateUnitDto, ListUnitsQuery } from './unit.dto.js';
import { UnitsService } from './units.service.js';

@ApiTags('units')
@ApiBearerAuth()
@Controller('api/units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListUnitsQuery) {
    return this.units.list(user, query);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ summary: 'Create a unit (IT, business, ethics, leadership, other) of an agency (admin)' })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateUnitDto) {
    return this.units.create(user, actor, dto);
  }
}
