export { createMailTransport, type MailTransport } from './mail-transport.js';
export { mustWithholdDetails, renderNotification, TEMPLATES, type Locale, type NotificationData, type RenderedMail } from './templates.js';
