import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AudienceEntry } from './recipients.js';

/** What an intent is about; `account` (a user) for notices about an account, which go by e-mail only. */
export type AggregateType = 'incident' | 'drill' | 'plan' | 'corrective_action' | 'account';

/**
 * What a notification may carry: a reference, a state, the classification and a due time, never
 * confidential text (article 27). The worker looks the rest up when it renders.
 */
export interface NotificationPayload {
  reference: string;
  state: string;
  tlp: string;
  dataLevel: string;
  isDrill: boolean;
  dueAt?: string;
  [key: string]: unknown;
}

/** Records a notification intent in the caller's transaction; the relay delivers it after commit. */
export async function enqueueNotification(
  manager: EntityManager,
  intent: {
    agencyId: string;
    aggregateType: AggregateType;
    aggregateId: string;
    template: string;
    audience: AudienceEntry[];
    payload: NotificationPayload;
    now: Date;
  },
): Promise<void> {
  await manager.query(
    `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      randomUUID(),
      intent.agencyId,
      intent.aggregateType,
      intent.aggregateId,
      intent.template,
      JSON.stringify(intent.audience),
      JSON.stringify(intent.payload),
      intent.now,
    ],
  );
}

/**
 * The alerts the delivery worker raises about an intent that failed: its deliveries died after the
 * last attempt, it resolved to nobody, or a webhook refused for a lasting reason was disabled. An
 * alert that fails itself raises no further alert.
 */
export const ALERT_TEMPLATES = ['delivery.dead', 'delivery.no_recipients', 'webhook.disabled'] as const;
export type AlertTemplate = (typeof ALERT_TEMPLATES)[number];

export function isAlert(template: string): boolean {
  return (ALERT_TEMPLATES as readonly string[]).includes(template);
}

/**
 * Records an alert about a failed intent, in the caller's transaction: same agency and subject (so
 * it shows on the incident, drill, plan or corrective action) and the same payload (reference and
 * classification, never content).
 */
export async function enqueueAlert(
  manager: EntityManager,
  failed: { agency_id: string; aggregate_type: string; aggregate_id: string; payload: unknown },
  template: AlertTemplate,
  audience: AudienceEntry[],
  now: Date,
): Promise<void> {
  await enqueueNotification(manager, {
    agencyId: failed.agency_id,
    aggregateType: failed.aggregate_type as AggregateType,
    aggregateId: failed.aggregate_id,
    template,
    audience,
    payload: failed.payload as NotificationPayload,
    now,
  });
}
