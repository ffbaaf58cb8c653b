import { randomBytes, randomUUID } from 'node:crypto';
import { Body, Controller, Get, Injectable, Post, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, IsUUID, Length } from 'class-validator';
import { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { NotBlank } from '../common/instant.js';
import { LowerCaseUuid } from '../common/uuid-field.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { ScopeService } from '../identity/scope.service.js';

export class CreateWebhookDto {
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() agencyId: string;
  @ApiProperty({ example: 'https://chat.agency.gov.tw/hooks/ir' })
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false }, { message: 'url must be an http(s) URL' })
  @Length(1, 2000)
  url: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 500) description: string;
}

export class ListWebhooksQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
}

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(user: AuthenticatedUser, actor: Actor, dto: CreateWebhookDto) {
    await this.scope.assertVisible(user, dto.agencyId, `agency ${dto.agencyId}`);
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO webhooks (id, agency_id, url, secret, description, enabled, created_by, created_at) VALUES ($1, $2, $3, $4, $5, true, $6, $7)`,
        [id, dto.agencyId, dto.url, secret, dto.description, user.id, now],
      );
      await this.audit.append(manager, actor, {
        action: 'webhook.create',
        agencyId: dto.agencyId,
        targetType: 'webhook',
        targetId: id,
        details: { url: dto.url },
      });
    });
    return { id, agencyId: dto.agencyId, url: dto.url, description: dto.description, enabled: true, secret, createdAt: now.toISOString() };
  }

  async list(user: AuthenticatedUser, agencyId?: string) {
    const agency = agencyId ?? user.agencyId;
    await this.scope.assertVisible(user, agency, `agency ${agency}`);
    const rows: Array<{ id: string; url: string; description: string; enabled: boolean; created_at: Date }> = await this.dataSource.query(
      'SELECT id, url, description, enabled, created_at FROM webhooks WHERE agency_id = $1 ORDER BY created_at',
      [agency],
    );
    return {
      items: rows.map((r) => ({
        id: r.id,
        agencyId: agency,
        url: r.url,
        description: r.description,
        enabled: r.enabled,
        createdAt: r.created_at.toISOString(),
      })),
    };
  }
}

/** Outbound webhooks (admin): the secret is shown once, at creation; payloads are HMAC-signed. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Add a webhook: every notification intent of the agency is POSTed to it, signed (X-Signature: sha256=HMAC(secret, timestamp.body))',
  })
  create(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(user, actor, dto);
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() q: ListWebhooksQuery) {
    return this.webhooks.list(user, q.agencyId);
  }
}
