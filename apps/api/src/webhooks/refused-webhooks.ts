import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { execute } from '../database/sql.js';
import { enqueueAlert } from '../notifications/outbox.js';

/** The intent whose delivery was refused: the alert is raised on its subject, with its payload. */
export interface RefusedIntent {
  id: string;
  agency_id: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
}

/** Where a webhook points, as an alert may show it: scheme, host and port, never the path (which may carry a token). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}

/**
 * A webhook whose delivery was refused for a lasting reason (not https, or a non-public address:
 * LASTING_REFUSALS) would be refused on every later delivery too: it is disabled, as an admin's
 * `{"enabled": false}` would, by the system. In one transaction: every enabled webhook of the agency
 * with that URL is disabled (only those still enabled, so concurrent refusals disable it once),
 * each is audited as `webhook.disable` by the system actor with the reason, and the agency's admins
 * are alerted once (`webhook.disabled`). An admin re-enables it (its URL is checked again) or
 * deletes it.
 */
@Injectable()
export class RefusedWebhooks {
  private readonly logger = new Logger(RefusedWebhooks.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Disables the refused webhooks; returns the ids disabled now (none when they were disabled already). */
  async disable(intent: RefusedIntent, refusal: { url: string; deliveryId: string; rules: readonly string[]; detail: string }): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const { rows } = await execute<{ id: string }>(
        manager,
        'UPDATE webhooks SET enabled = false WHERE agency_id = $1 AND url = $2 AND enabled RETURNING id',
        [intent.agency_id, refusal.url],
      );
      const disabled = rows.map((r) => r.id).sort();
      for (const id of disabled) {
        await this.audit.append(manager, SYSTEM_ACTOR, {
          action: 'webhook.disable',
          agencyId: intent.agency_id,
          targetType: 'webhook',
          targetId: id,
          details: {
            url: refusal.url,
            reason: 'delivery_refused',
            rules: [...refusal.rules],
            detail: refusal.detail.slice(0, 500),
            deliveryId: refusal.deliveryId,
          },
        });
      }
      if (disabled.length) {
        const now = this.clock.now();
        await enqueueAlert(
          manager,
          { ...intent, payload: { ...intent.payload, webhook: webhookOrigin(refusal.url) } },
          'webhook.disabled',
          [{ kind: 'role', role: 'admin' }],
          now,
        );
        this.logger.warn(`webhook(s) ${disabled.join(', ')} to ${webhookOrigin(refusal.url)} disabled: ${refusal.detail}`);
      }
      return disabled;
    });
  }
}
