import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CreateWebhookDto, ListWebhooksQuery, UpdateWebhookDto } from './webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

/** Outbound webhooks (admin): the secret is shown once, at creation; payloads are HMAC-signed. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary:
      'Add a webhook: every notification intent of the agency is POSTed to it, signed (X-Signature: sha256=HMAC(secret, timestamp.body)). The URL must be https on a public address unless WEBHOOK_ALLOWED_HOSTS allows it (422 otherwise)',
  })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(user, actor, dto);
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListWebhooksQuery) {
    return this.webhooks.list(user, q.agencyId);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Disable ({"enabled": false}: nothing is delivered to it from now on) or re-enable a webhook (its URL is checked again)' })
  update(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string, @Body() dto: UpdateWebhookDto) {
    return this.webhooks.update(user, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its secret: nothing is delivered to it from now on' })
  async remove(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.webhooks.remove(user, actor, id);
  }
}
