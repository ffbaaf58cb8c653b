import { isURL } from 'class-validator';
import * as z from 'zod';
import { InstantOut, PageOf, PageQueryShape, Text, Uuid } from '../common/schema.js';

/** An http(s) URL as webhooks take it (whether it may be reached is vetWebhookTarget's question: 422). */
const WebhookUrl = z
  .string()
  .min(1)
  .max(2000)
  .refine((s) => isURL(s, { protocols: ['https', 'http'], require_protocol: true, require_tld: false }), {
    params: { rule: 'isUrl' },
    message: 'must be an http(s) URL',
  })
  .meta({
    format: 'uri',
    examples: ['https://chat.agency.gov.tw/hooks/ir'],
    description: 'https, on a public address; http or a private, loopback or link-local address only when WEBHOOK_ALLOWED_HOSTS allows it',
  });

/** POST /api/webhooks. */
export const CreateWebhookBody = z
  .strictObject({
    agencyId: Uuid,
    url: WebhookUrl,
    description: Text(500).meta({ examples: ['聊天室通報橋接'] }),
  })
  .meta({ id: 'CreateWebhook' });
export type CreateWebhookBody = z.output<typeof CreateWebhookBody>;

/**
 * PATCH /api/webhooks/{id}: `enabled` is the one editable field of a Webhook (url and description
 * are fixed at creation: delete the webhook and add a new one to change them).
 */
export const UpdateWebhookBody = z
  .strictObject({
    enabled: z.boolean().meta({ description: 'false stops every delivery to it at once; true checks the URL again (422 when it is not allowed)' }),
  })
  .meta({ id: 'UpdateWebhook' });
export type UpdateWebhookBody = z.output<typeof UpdateWebhookBody>;

/** GET /api/webhooks. */
export const ListWebhooksQuery = z.strictObject({
  ...PageQueryShape,
  agencyId: Uuid.optional().meta({ description: "defaults to the caller's agency" }),
});
export type ListWebhooksQuery = z.output<typeof ListWebhooksQuery>;

const WebhookShape = {
  id: Uuid,
  agencyId: Uuid,
  url: z.string(),
  description: z.string(),
  enabled: z.boolean().meta({
    description: 'false when an admin disabled it, or when a delivery was refused for a lasting reason (not https, not a public address)',
  }),
  createdAt: InstantOut,
};

/** A webhook as listed and changed: never its secret. */
export const WebhookSchema = z.strictObject(WebhookShape).meta({ id: 'Webhook' });
export type WebhookView = z.infer<typeof WebhookSchema>;

/** A new webhook: the one time its secret is shown. */
export const CreatedWebhookSchema = z
  .strictObject({
    ...WebhookShape,
    secret: z.string().meta({ description: 'the HMAC key of X-Signature: shown once, at creation' }),
  })
  .meta({ id: 'CreatedWebhook' });

export const WebhookPage = PageOf(WebhookSchema).meta({ id: 'WebhookPage' });
