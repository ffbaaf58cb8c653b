import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { vetWebhookTarget } from '@app/notify';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import type { CreateWebhookDto, UpdateWebhookDto } from './webhook.dto.js';

interface WebhookRow {
  id: string;
  agency_id: string;
  url: string;
  description: string;
  enabled: boolean;
  created_at: Date;
}

const view = (r: WebhookRow) => ({
  id: r.id,
  agencyId: r.agency_id,
  url: r.url,
  description: r.description,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
});

/**
 * Outbound webhooks of an agency, managed by its admins (and those of the agencies above it). A
 * URL must pass vetWebhookTarget (https, public addresses, unless WEBHOOK_ALLOWED_HOSTS allows it)
 * when created and when re-enabled; the delivery checks it again. Disabling or deleting one stops
 * its deliveries at once; both are audited. A deleted webhook's row (and secret) is gone: deliveries
 * name their target by URL, not by reference, and the audit log keeps what it was.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Refuses a target the rules do not allow (422, field `url`, the rule broken). */
  private async assertAllowedTarget(url: string): Promise<void> {
    const verdict = await vetWebhookTarget(url, this.config.webhookAllowList);
    if (!verdict.ok) throw Problems.rulesBroken(verdict.refusals.map((r) => ({ field: 'url', rule: r.rule, message: r.message })));
  }

  /** The webhook, locked for the change, if the user may manage it (404 otherwise). */
  private async lockedForChange(user: AuthenticatedUser, id: string, manager: EntityManager): Promise<WebhookRow> {
    const rows: WebhookRow[] = await manager.query('SELECT id, agency_id, url, description, enabled, created_at FROM webhooks WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw Problems.notFound(`webhook ${id}`);
    await this.scope.assertVisible(user, rows[0].agency_id, `webhook ${id}`, manager);
    return rows[0];
  }

  async create(user: AuthenticatedUser, actor: Actor, dto: CreateWebhookDto) {
    await this.scope.assertVisible(user, dto.agencyId, `agency ${dto.agencyId}`);
    await this.assertAllowedTarget(dto.url);
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
    const rows: WebhookRow[] = await this.dataSource.query(
      'SELECT id, agency_id, url, description, enabled, created_at FROM webhooks WHERE agency_id = $1 ORDER BY created_at',
      [agency],
    );
    return { items: rows.map(view) };
  }

  /** Disables (no delivery from now on) or re-enables (the URL is checked again) a webhook. */
  async update(user: AuthenticatedUser, actor: Actor, id: string, dto: UpdateWebhookDto) {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockedForChange(user, id, manager);
      if (row.enabled === dto.enabled) return view(row);
      if (dto.enabled) await this.assertAllowedTarget(row.url);
      await manager.query('UPDATE webhooks SET enabled = $2 WHERE id = $1', [id, dto.enabled]);
      await this.audit.append(manager, actor, {
        action: dto.enabled ? 'webhook.enable' : 'webhook.disable',
        agencyId: row.agency_id,
        targetType: 'webhook',
        targetId: id,
        details: { url: row.url },
      });
      return view({ ...row, enabled: dto.enabled });
    });
  }

  async remove(user: AuthenticatedUser, actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.lockedForChange(user, id, manager);
      await manager.query('DELETE FROM webhooks WHERE id = $1', [id]);
      await this.audit.append(manager, actor, {
        action: 'webhook.delete',
        agencyId: row.agency_id,
        targetType: 'webhook',
        targetId: id,
        details: { url: row.url, description: row.description, enabled: row.enabled },
      });
    });
  }
}
