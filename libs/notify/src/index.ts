export { createMailTransport, type MailTransport } from './mail-transport.js';
