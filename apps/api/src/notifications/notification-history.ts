import type { EntityManager } from 'typeorm';
import { decodeTimeIdCursor, toPage } from '../common/paging.js';
import type { NotificationHistoryItem, NotificationHistoryPage } from './notification-history.schema.js';
import type { AggregateType } from './outbox.js';

/**
 * The notification intents of one incident, drill, plan or corrective action with each recipient's
 * delivery (queued, sending, sent, failed, dead): what was sent to whom, and what could not be. An
 * intent is `failed` as a whole, with its `failureReason`, when it reached nobody (`no_recipients`).
 * Oldest first, a page at a time (`limit`, default 50, and the `cursor` of the page before).
 */
export async function notificationHistory(
  manager: EntityManager,
  aggregateType: AggregateType,
  aggregateId: string,
  page: { limit?: number; cursor?: string } = {},
): Promise<NotificationHistoryPage> {
  const limit = page.limit ?? 50;
  const after = decodeTimeIdCursor(page.cursor);
  const rows: Array<{
    id: string;
    template: string;
    audience: NotificationHistoryItem['audience'];
    created_at: Date;
    enqueued_at: Date | null;
    failure_reason: 'no_recipients' | null;
  }> = await manager.query(
    `SELECT id, template, audience, created_at, enqueued_at, failure_reason FROM outbox
      WHERE aggregate_type = $1 AND aggregate_id = $2 AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
      ORDER BY created_at, id LIMIT $5`,
    [aggregateType, aggregateId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const { items, nextCursor } = toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id]);
  const deliveries: Array<{
    outbox_id: string;
    channel: 'email' | 'webhook';
    address: string;
    status: 'queued' | 'sending' | 'sent' | 'failed' | 'dead';
    attempts: number;
    message_id: string | null;
    last_error: string | null;
    response: string | null;
    sent_at: Date | null;
  }> = await manager.query(
    `SELECT outbox_id, channel, address, status, attempts, message_id, last_error, response, sent_at FROM deliveries WHERE outbox_id = ANY($1) ORDER BY address`,
    [items.map((r) => r.id)],
  );
  return {
    items: items.map((r): NotificationHistoryItem => {
      const mine = deliveries.filter((d) => d.outbox_id === r.id);
      return {
        id: r.id,
        template: r.template,
        audience: r.audience,
        createdAt: r.created_at.toISOString(),
        status: r.failure_reason
          ? 'failed'
          : mine.some((d) => d.status === 'dead')
            ? 'dead'
            : mine.length && mine.every((d) => d.status === 'sent')
              ? 'sent'
              : r.enqueued_at
                ? 'queued'
                : 'pending',
        failureReason: r.failure_reason,
        deliveries: mine.map((d) => ({
          channel: d.channel,
          address: d.address,
          status: d.status,
          attempts: d.attempts,
          messageId: d.message_id,
          error: d.last_error,
          response: d.response,
          sentAt: d.sent_at?.toISOString() ?? null,
        })),
      };
    }),
    nextCursor,
  };
}
