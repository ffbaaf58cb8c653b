import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { vetWebhookTarget } from '@app/notify';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { decodeTimeIdCursor, toPage } from '../common/paging.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import { WebhookHostResolver } from './webhook-host-resolver.js';
import type { CreateWebhookBody, ListWebhooksQuery, UpdateWebhookBody, WebhookView } from './webhook.schema.js';

interface WebhookRow {
  id: string;
  agency_id: string;
  url: string;
  description: string;
  enabled: boolean;
  created_at: Date;
}

const COLUMNS = 'id, agency_id, url, description, enabled, created_at';

const view = (r: WebhookRow): WebhookView => ({
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
 * when created and when re-enabled; the delivery checks it again (and disables the webhook when it
 * is refused for a lasting reason: webhook-refusal.ts). Disabling or deleting one stops its
 * deliveries at once; both are audited. A deleted webhook's row (and secret) is gone: deliveries
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
    private readonly resolver: WebhookHostResolver,
  ) {}

  /** Refuses a target the rules do not allow (422, field `url`, the rule broken). Resolves DNS: never call it holding a lock. */
  private async assertAllowedTarget(url: string): Promise<void> {
    const verdict = await vetWebhookTarget(url, this.config.webhookAllowList, (host) => this.resolver.resolve(host));
    if (!verdict.ok) throw Problems.rulesBroken(verdict.refusals.map((r) => ({ field: 'url', rule: r.rule, message: r.message })));
  }

  /** The webhook, if the user may manage it (404 otherwise); locked for the change when `lock`. */
  private async visibleWebhook(user: AuthenticatedUser, id: string, manager: EntityManager, lock: boolean): Promise<WebhookRow> {
    const rows: WebhookRow[] = await manager.query(`SELECT ${COLUMNS} FROM webhooks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!rows[0]) throw Problems.notFound(`webhook ${id}`);
    await this.scope.assertVisible(user, rows[0].agency_id, `webhook ${id}`, manager);
    return rows[0];
  }

  async create(user: AuthenticatedUser, actor: Actor, dto: CreateWebhookBody) {
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
    return { ...view({ id, agency_id: dto.agencyId, url: dto.url, description: dto.description, enabled: true, created_at: now }), secret };
  }

  /** An agency's webhooks, oldest first, a page at a time (keyset on created_at, id). */
  async list(user: AuthenticatedUser, query: ListWebhooksQuery) {
    const limit = query.limit ?? 50;
    const after = decodeTimeIdCursor(query.cursor);
    const agency = query.agencyId ?? user.agencyId;
    await this.scope.assertVisible(user, agency, `agency ${agency}`);
    const rows: WebhookRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM webhooks
        WHERE agency_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
        ORDER BY created_at, id LIMIT $4`,
      [agency, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id]);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  /**
   * Disables (no delivery from now on) or re-enables (the URL is checked again) a webhook. The
   * check resolves DNS, so it runs before the row is locked, never while holding the lock; the URL
   * cannot change meanwhile (no operation edits it). Should the webhook be disabled between the
   * read and the lock (a delivery refused it), the check runs again; a webhook deleted meanwhile
   * is a 404.
   */
  async update(user: AuthenticatedUser, actor: Actor, id: string, dto: UpdateWebhookBody): Promise<WebhookView> {
    for (;;) {
      const current = await this.visibleWebhook(user, id, this.dataSource.manager, false);
      const checked = dto.enabled && !current.enabled;
      if (checked) await this.assertAllowedTarget(current.url);
      const updated = await this.dataSource.transaction(async (manager): Promise<WebhookView | null> => {
        const row = await this.visibleWebhook(user, id, manager, true);
        if (row.enabled === dto.enabled) return view(row);
        if (dto.enabled && !checked) return null;
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
      if (updated) return updated;
    }
  }

  async remove(user: AuthenticatedUser, actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.visibleWebhook(user, id, manager, true);
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
