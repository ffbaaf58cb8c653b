export { createMailTransport, type MailTransport } from './mail-transport.js';
export { mustWithholdDetails, renderNotification, TEMPLATES, type Locale, type NotificationData, type RenderedMail } from './templates.js';
export { layerShift, onCallAt, shiftsBetween, type Override, type RotationLayer, type Schedule, type Shift } from './oncall.js';
export { postWebhook, signWebhook, type WebhookPostOptions, type WebhookResult } from './webhook.js';
export {
  AllowListError,
  EMPTY_ALLOW_LIST,
  parseWebhookAllowList,
  resolveHost,
  vetWebhookTarget,
  type HostResolver,
  type ResolvedAddress,
  type TargetRefusal,
  type TargetVerdict,
  type WebhookAllowList,
} from './webhook-target.js';
