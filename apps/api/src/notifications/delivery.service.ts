import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mustWithholdDetails, postWebhook, renderNotification, type MailTransport } from '@app/notify';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { execute } from '../database/sql.js';
import { resolveRecipients, type AudienceEntry } from './recipients.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

interface OutboxRow {
  id: string;
  agency_id: string;
  aggregate_type: string;
  aggregate_id: string;
  template: string;
  audience: AudienceEntry[];
  payload: { reference?: string; level?: number; state?: string; tlp?: string; dataLevel?: string; isDrill?: boolean };
}

export type DeliveryOutcome =
  { status: 'delivered'; sent: number } | { status: 'retry'; failed: number } | { status: 'dead'; dead: number } | { status: 'missing' };

/**
 * Delivers one outbox intent by e-mail: resolves the recipients, renders per recipient language,
 * sends with nodemailer, and records one delivery row per recipient. Idempotent per (intent,
 * recipient): a sent delivery is never sent again. The intent ('sending') is recorded before the
 * SMTP call; the one window left is a crash between the server's acceptance and the 'sent'
 * update, after which the retry sends again (at-least-once). The Message-ID is the same on every
 * attempt, so a mail system that de-duplicates by Message-ID drops the copy.
 */
@Injectable()
export class DeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MAIL_TRANSPORT) private readonly mail: MailTransport,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Closes the pooled SMTP connections (after the workers have finished their jobs). */
  onApplicationShutdown(): void {
    this.mail.close();
  }

  private messageId(outboxId: string, address: string): string {
    const domain = (/@([^>\s]+)>?\s*$/.exec(this.config.mailFrom)?.[1] ?? 'localhost').toLowerCase();
    return `<${outboxId}.${createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 16)}@${domain}>`;
  }

  async deliver(outboxId: string, finalAttempt: boolean): Promise<DeliveryOutcome> {
    const outboxRows: OutboxRow[] = await this.dataSource.query('SELECT * FROM outbox WHERE id = $1', [outboxId]);
    const outbox = outboxRows[0];
    if (!outbox) return { status: 'missing' };
    const now = this.clock.now();
    const incident: Array<{ title: string; description: string; affected_systems: string[]; timezone: string; next_due: Date | null }> =
      outbox.aggregate_type === 'incident'
        ? await this.dataSource.query(
            `SELECT i.title, i.description, i.affected_systems, a.timezone,
                    (SELECT min(d.due_at) FROM deadlines d WHERE d.incident_id = i.id AND d.status = 'pending') AS next_due
               FROM incidents i JOIN agencies a ON a.id = i.agency_id WHERE i.id = $1`,
            [outbox.aggregate_id],
          )
        : [];
    const recipients = await resolveRecipients(this.dataSource.manager, outbox.agency_id, outbox.audience, now);
    for (const r of recipients) {
      await this.dataSource.query(
        `INSERT INTO deliveries (id, outbox_id, channel, recipient_user_id, address, locale, status, created_at, updated_at)
         VALUES ($1, $2, 'email', $3, $4, $5, 'queued', $6, $6) ON CONFLICT (outbox_id, channel, address) DO NOTHING`,
        [randomUUID(), outboxId, r.userId, r.address, r.locale, now],
      );
    }
    const pending: Array<{ id: string; address: string; locale: 'zh-TW' | 'en' }> = await this.dataSource.query(
      `SELECT id, address, locale FROM deliveries WHERE outbox_id = $1 AND channel = 'email' AND status IN ('queued','sending','failed') ORDER BY address`,
      [outboxId],
    );
    const p = outbox.payload;
    const details = incident[0];
    let failed = 0;
    let sent = 0;
    for (const d of pending) {
      // Record the intent before the SMTP call.
      await this.dataSource.query(`UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, [d.id, this.clock.now()]);
      const mail = renderNotification(outbox.template, d.locale, {
        reference: p.reference ?? '',
        level: p.level ?? 0,
        state: p.state ?? '',
        tlp: p.tlp ?? 'RED',
        dataLevel: p.dataLevel ?? 'confidential',
        isDrill: p.isDrill ?? false,
        link: `${this.config.publicUrl}/incidents/${outbox.aggregate_id}`,
        deadline: details?.next_due?.toISOString() ?? null,
        timezone: details?.timezone ?? 'Asia/Taipei',
        title: details?.title,
        description: details?.description,
        affectedSystems: details?.affected_systems,
      });
      try {
        const info = await this.mail.transporter.sendMail({
          from: this.config.mailFrom,
          to: d.address,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: this.messageId(outboxId, d.address),
          headers: { 'X-Incident-Reference': p.reference ?? '', 'Auto-Submitted': 'auto-generated' },
        });
        await this.dataSource.query(
          `UPDATE deliveries SET status = 'sent', message_id = $2, response = $3, sent_at = $4, last_error = NULL, updated_at = $4 WHERE id = $1`,
          [d.id, info.messageId, String(info.response ?? '').slice(0, 1000), this.clock.now()],
        );
        sent += 1;
      } catch (error) {
        failed += 1;
        const message = error instanceof Error ? error.message : String(error);
        await this.dataSource.query(`UPDATE deliveries SET status = 'failed', last_error = $2, updated_at = $3 WHERE id = $1`, [
          d.id,
          message.slice(0, 1000),
          this.clock.now(),
        ]);
      }
    }
    // The second channel: every enabled webhook of the agency gets the same intent, signed.
    const hooks: Array<{ url: string; secret: string }> = await this.dataSource.query(
      'SELECT DISTINCT ON (url) url, secret FROM webhooks WHERE agency_id = $1 AND enabled ORDER BY url, created_at',
      [outbox.agency_id],
    );
    for (const hook of hooks) {
      await this.dataSource.query(
        `INSERT INTO deliveries (id, outbox_id, channel, recipient_user_id, address, locale, status, created_at, updated_at)
         VALUES ($1, $2, 'webhook', NULL, $3, 'en', 'queued', $4, $4) ON CONFLICT (outbox_id, channel, address) DO NOTHING`,
        [randomUUID(), outboxId, hook.url, now],
      );
    }
    const pendingHooks: Array<{ id: string; address: string }> = await this.dataSource.query(
      `SELECT id, address FROM deliveries WHERE outbox_id = $1 AND channel = 'webhook' AND status IN ('queued','sending','failed') ORDER BY address`,
      [outboxId],
    );
    const withhold = mustWithholdDetails(p.tlp ?? 'RED', p.dataLevel ?? 'confidential');
    for (const d of pendingHooks) {
      const hook = hooks.find((h) => h.url === d.address);
      if (!hook) {
        // The webhook was disabled since: nothing to send it to.
        await this.dataSource.query(`UPDATE deliveries SET status = 'dead', last_error = 'webhook disabled', updated_at = $2 WHERE id = $1`, [
          d.id,
          this.clock.now(),
        ]);
        continue;
      }
      await this.dataSource.query(`UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, [d.id, this.clock.now()]);
      const result = await postWebhook(hook.url, hook.secret, d.id, {
        id: outboxId,
        template: outbox.template,
        reference: p.reference ?? null,
        level: p.level ?? null,
        state: p.state ?? null,
        tlp: p.tlp ?? null,
        dataLevel: p.dataLevel ?? null,
        isDrill: p.isDrill ?? false,
        link: `${this.config.publicUrl}/incidents/${outbox.aggregate_id}`,
        ...(withhold || !details ? {} : { title: details.title }),
      });
      if (result.ok) {
        await this.dataSource.query(`UPDATE deliveries SET status = 'sent', response = $2, sent_at = $3, last_error = NULL, updated_at = $3 WHERE id = $1`, [
          d.id,
          result.detail.slice(0, 1000),
          this.clock.now(),
        ]);
        sent += 1;
      } else {
        failed += 1;
        await this.dataSource.query(`UPDATE deliveries SET status = 'failed', last_error = $2, updated_at = $3 WHERE id = $1`, [
          d.id,
          result.detail.slice(0, 1000),
          this.clock.now(),
        ]);
      }
    }
    if (!failed) return { status: 'delivered', sent };
    if (!finalAttempt) return { status: 'retry', failed };
    return this.bury(outbox);
  }

  /** After the last attempt: the failed deliveries are dead, and the agency's admins are alerted once. */
  private async bury(outbox: OutboxRow): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const { count } = await execute(
        manager,
        `UPDATE deliveries SET status = 'dead', updated_at = $2 WHERE outbox_id = $1 AND status IN ('failed','sending','queued')`,
        [outbox.id, now],
      );
      if (outbox.template !== 'delivery.dead') {
        await manager.query(
          `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, $3, $4, 'delivery.dead', $5, $6, $7)`,
          [
            randomUUID(),
            outbox.agency_id,
            outbox.aggregate_type,
            outbox.aggregate_id,
            JSON.stringify([{ kind: 'role', role: 'admin' }]),
            JSON.stringify(outbox.payload),
            now,
          ],
        );
      }
      this.logger.warn(`outbox ${outbox.id} (${outbox.template}): ${count} delivery(ies) dead after the last attempt`);
      return { status: 'dead', dead: count } as const;
    });
  }
}
