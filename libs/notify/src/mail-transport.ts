import nodemailer, { type Transporter } from 'nodemailer';

/**
 * The e-mail side effect behind a narrow interface: a pooled nodemailer SMTP transport built from
 * SMTP_URL (smtp:// plain or STARTTLS when offered, smtps:// implicit TLS, credentials in the URL).
 */
export interface MailTransport {
  verify(): Promise<true>;
  close(): void;
  readonly transporter: Transporter;
}

export function createMailTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    transporter,
    verify: () => transporter.verify(),
    close: () => transporter.close(),
  };
}
