import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES } from '../identity/roles.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto } from './user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List accounts: the full records for admins and auditors, a directory (id, name, e-mail, agency, units) for everyone else' })
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListUsersQuery) {
    return this.users.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An account: the full record for admins, auditors and the account itself, its directory entry for everyone else' })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.users.read(user, id);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ summary: 'Create an account (admin); without a password a temporary one is returned once' })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateUserDto) {
    return this.users.create(user, actor, dto);
  }

  @Patch(':id')
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ summary: 'Change an account (admin); disabling ends every session at once' })
  update(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(user, actor, id, dto);
  }
}
