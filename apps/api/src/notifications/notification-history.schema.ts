import * as z from 'zod';
import { InstantOut, PageOf, Uuid } from '../common/schema.js';

/** Who an intent is for, as the workflows name it (notifications/recipients.ts AudienceEntry). */
const AudienceEntrySchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('role'),
      role: z.string(),
      except: z.array(Uuid).optional().meta({ description: 'users left out (who did it, whom it is about)' }),
      orSuperior: z.boolean().optional().meta({ description: 'the superior agency’s holders when the agency has none left' }),
    }),
    z.strictObject({ kind: z.literal('unitType'), unitType: z.string() }),
    z.strictObject({ kind: z.literal('superiorReviewers') }),
    z.strictObject({ kind: z.literal('superiorRole'), role: z.string() }),
    z.strictObject({ kind: z.literal('escalationTarget'), target: z.string() }),
    z.strictObject({ kind: z.literal('user'), userId: Uuid }),
    z.strictObject({ kind: z.literal('unit'), unitId: Uuid }),
  ])
  .meta({ id: 'NotificationAudienceEntry' });

export const NotificationDeliverySchema = z
  .strictObject({
    channel: z.enum(['email', 'webhook']),
    address: z.string().meta({ description: 'the e-mail address or the webhook URL' }),
    status: z.enum(['queued', 'sending', 'sent', 'failed', 'dead']),
    attempts: z.int().min(0),
    messageId: z.string().nullable(),
    error: z.string().nullable().meta({ description: 'the last error' }),
    response: z
      .string()
      .nullable()
      .meta({ description: "the receiving server's answer to the delivery that was sent (SMTP reply or webhook status), as stored; null until sent" }),
    sentAt: InstantOut.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });

/** One notification intent with each recipient's delivery. */
export const NotificationHistoryItemSchema = z
  .strictObject({
    id: Uuid,
    template: z.string().meta({ examples: ['incident.filed'] }),
    audience: z.array(AudienceEntrySchema),
    createdAt: InstantOut,
    status: z.enum(['pending', 'queued', 'sent', 'dead', 'failed']).meta({
      description:
        'pending: not handed to the queue yet; queued: on its way; sent: every delivery sent; dead: a delivery gave up; failed: it reached nobody (failureReason)',
    }),
    failureReason: z.enum(['no_recipients']).nullable(),
    deliveries: z.array(NotificationDeliverySchema),
  })
  .meta({ id: 'NotificationHistoryItem' });
export type NotificationHistoryItem = z.output<typeof NotificationHistoryItemSchema>;

/** A page of an incident's, drill's, plan's or corrective action's notifications, oldest first. */
export const NotificationHistoryPageSchema = PageOf(NotificationHistoryItemSchema).meta({ id: 'NotificationHistoryPage' });
export type NotificationHistoryPage = z.output<typeof NotificationHistoryPageSchema>;
