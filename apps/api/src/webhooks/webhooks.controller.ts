import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import { uuidParam } from '../common/uuid-param.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { CreatedWebhookSchema, CreateWebhookBody, ListWebhooksQuery, UpdateWebhookBody, WebhookPage, WebhookSchema } from './webhook.schema.js';
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
    operationId: 'createWebhook',
    summary:
      'Add a webhook: every notification intent of the agency is POSTed to it, signed (X-Signature: sha256=HMAC(secret, timestamp.body)). The URL must be https on a public address unless WEBHOOK_ALLOWED_HOSTS allows it (422 otherwise)',
  })
  @ApiCreatedResponse({ standardSchema: CreatedWebhookSchema, description: 'the webhook, with its secret (shown this once)' })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body({ schema: CreateWebhookBody }) dto: CreateWebhookBody) {
    return this.webhooks.create(user, actor, dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listWebhooks', summary: "An agency's webhooks (the caller's by default), oldest first; never their secrets" })
  @ApiOkResponse({ standardSchema: WebhookPage })
  list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListWebhooksQuery }) query: ListWebhooksQuery) {
    return this.webhooks.list(user, query);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateWebhook',
    summary:
      'Disable ({"enabled": false}: nothing is delivered to it from now on) or re-enable a webhook (its URL is checked again). `enabled` is the only editable field of a Webhook: url and description are fixed at creation',
  })
  @ApiOkResponse({ standardSchema: WebhookSchema })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @RequestActor() actor: Actor,
    @Param('id', uuidParam('id')) id: string,
    @Body({ schema: UpdateWebhookBody }) dto: UpdateWebhookBody,
  ) {
    return this.webhooks.update(user, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook and its secret: nothing is delivered to it from now on' })
  @ApiNoContentResponse({ description: 'deleted' })
  async remove(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.webhooks.remove(user, actor, id);
  }
}
