import type { EntityManager } from 'typeorm';
import type { AggregateType } from './outbox.js';

/**
 * The notification intents of one incident, drill, plan or corrective action with each recipient's
 * delivery (queued, sending, sent, failed, dead): what was sent to whom, and what could not be. An
 * intent is `failed` as a whole, with its `failureReason`, when it reached nobody (`no_recipients`).
 */
export async function notificationHistory(manager: EntityManager, aggregateType: AggregateType, aggregateId: string) {
  const rows: Array<{ id: string; template: string; audience: unknown; created_at: Date; enqueued_at: Date | null; failure_reason: string | null }> =
    await manager.query(
      `SELECT id, template, audience, created_at, enqueued_at, failure_reason FROM outbox WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY created_at, id`,
      [aggregateType, aggregateId],
    );
  const deliveries: Array<{
    outbox_id: string;
    channel: string;
    address: string;
    status: string;
    attempts: number;
    message_id: string | null;
    last_error: string | null;
    sent_at: Date | null;
  }> = await manager.query(
    `SELECT outbox_id, channel, address, status, attempts, message_id, last_error, sent_at FROM deliveries WHERE outbox_id = ANY($1) ORDER BY address`,
    [rows.map((r) => r.id)],
  );
  return {
    items: rows.map((r) => {
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
          sentAt: d.sent_at?.toISOString() ?? null,
        })),
      };
    }),
  };
}
