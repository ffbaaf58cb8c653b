import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '../audit/audit.service.js';
import { Idempotent } from '../common/idempotency.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ACCOUNT_ADMIN_ROLES } from '../identity/roles.js';
import { CreateUserBody, ListUsersQuery, UpdateUserBody, UserOrEntrySchema, UserPage, WrittenUserSchema } from './user.schema.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({
    operationId: 'listUsers',
    summary:
      'List accounts by e-mail: the full records for admins and auditors, a directory (id, name, e-mail, agency, units) for everyone else; none for vendors (403 vendorNoDirectory)',
  })
  @ApiOkResponse({ standardSchema: UserPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListUsersQuery }) query: ListUsersQuery) {
    return this.users.list(user, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getUser',
    summary: 'An account: the full record for admins, auditors and the account itself, its directory entry for everyone else; vendors read only their own',
  })
  @ApiOkResponse({ standardSchema: UserOrEntrySchema })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuidParam('id')) id: string) {
    return this.users.read(user, id);
  }

  @Post()
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({ operationId: 'createUser', summary: 'Create an account (admin); without a password a temporary one is returned once' })
  @ApiCreatedResponse({
    standardSchema: WrittenUserSchema,
    headers: { Location: { description: 'the new account: /api/users/{id}', schema: { type: 'string' } } },
  })
  @Idempotent('createUser')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Body({ schema: CreateUserBody }) dto: CreateUserBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const created = await this.users.create(user, actor, dto);
    res.setHeader('Location', `/api/users/${created.id}`);
    return created;
  }

  @Patch(':id')
  @Roles(...ACCOUNT_ADMIN_ROLES)
  @ApiOperation({
    operationId: 'updateUser',
    summary:
      "Change an account (admin): the editable fields of User (name, roles, unitIds, expiresAt, disabled, locale) under GET's names and types, each optional; disabling ends every session at once",
  })
  @ApiOkResponse({ standardSchema: WrittenUserSchema })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Body({ schema: UpdateUserBody }) dto: UpdateUserBody,
  ) {
    return this.users.update(user, actor, id, dto);
  }
}
