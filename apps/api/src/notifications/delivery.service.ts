import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mustWithholdDetails, postWebhook, renderNotification, type MailTransport, type NotificationData } from '@app/notify';
import { DATA_LEVELS, labelledClassification, TLP_LABELS } from '@app/workflows';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { execute } from '../database/sql.js';
import { RefusedWebhooks } from '../webhooks/refused-webhooks.js';
import { enqueueAlert, isAlert } from './outbox.js';
import { readerDeadlineKinds } from './reader-deadline.js';
import { resolveRecipients, type AudienceEntry } from './recipients.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

interface OutboxRow {
  id: string;
  agency_id: string;
  aggregate_type: string;
  aggregate_id: string;
  template: string;
  audience: AudienceEntry[];
  /** Set when the intent failed as a whole: `no_recipients`. */
  failure_reason: string | null;
  payload: {
    reference?: string;
    level?: number;
    state?: string;
    tlp?: string;
    dataLevel?: string;
    isDrill?: boolean;
    dueAt?: string;
    /** An account's privileged grant: the roles granted and who granted them. */
    roles?: string[];
    grantedBy?: string;
    /** A disabled webhook's origin (webhook.disabled). */
    webhook?: string;
  };
}

type Subject = NonNullable<NotificationData['subject']>;

/**
 * What a notification's e-mail may say about its subject beyond the outbox payload, read when it
 * is delivered: the subject's title (and, for an incident, description and systems: all of it
 * withheld by classification when rendered), the next deadline, the agency's time zone and the link.
 */
interface SubjectDetails {
  subject: Subject;
  link: string;
  timezone: string;
  deadline: string | null;
  /** Which clock `deadline` is (report, superior_review, start, after_action, review, due, …): the mail labels an incident's by it. */
  deadlineKind?: string;
  title?: string;
  description?: string;
  affectedSystems?: string[];
  /** The subject's classification now, when it can be read (the stricter of it and the payload's applies). */
  classification?: { tlp: string; dataLevel: string };
}

/** The stricter of two labels of an ordered scale; an unknown label wins (and withholds: mustWithholdDetails). */
function stricter(scale: readonly string[], a: string, b: string | undefined): string {
  if (b === undefined) return a;
  if (!scale.includes(a)) return a;
  if (!scale.includes(b)) return b;
  return scale.indexOf(b) > scale.indexOf(a) ? b : a;
}

export type DeliveryOutcome =
  | { status: 'delivered'; sent: number }
  | { status: 'retry'; failed: number }
  | { status: 'dead'; dead: number }
  | { status: 'failed'; reason: string }
  | { status: 'missing' };

/**
 * Who hears of a failed intent: the sending agency's admins and, when it was meant for the superior
 * agency (a review request, a breached review), the superior agency's admins too.
 */
function noRecipientAlertAudience(intent: AudienceEntry[]): AudienceEntry[] {
  const toSuperior = intent.some((e) => e.kind === 'superiorReviewers' || e.kind === 'superiorRole');
  return [{ kind: 'role', role: 'admin' }, ...(toSuperior ? [{ kind: 'superiorRole' as const, role: 'admin' }] : [])];
}

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
    private readonly refusedWebhooks: RefusedWebhooks,
  ) {}

  /** Closes the pooled SMTP connections (after the workers have finished their jobs). */
  onApplicationShutdown(): void {
    this.mail.close();
  }

  private messageId(outboxId: string, address: string): string {
    const domain = (/@([^>\s]+)>?\s*$/.exec(this.config.mailFrom)?.[1] ?? 'localhost').toLowerCase();
    return `<${outboxId}.${createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 16)}@${domain}>`;
  }

  /**
   * The subject of an intent, per aggregate type: an incident (its title, description, systems and
   * next pending deadline), a drill (its plan's title, its next pending deadline), a continuity plan
   * (its title, its review date), a corrective action (its title, its due date). Reminders are not
   * deadlines and are not shown as one. An account notice (a lock, a privileged grant) is rendered
   * from its payload alone, as are an unknown aggregate type and a subject that is gone.
   */
  private async subjectOf(outbox: OutboxRow): Promise<SubjectDetails> {
    type Row = {
      title: string;
      timezone: string;
      next_due: Date | null;
      next_kind?: string | null;
      description?: string;
      affected_systems?: string[];
      tlp?: string;
      data_level?: string;
    };
    const base = this.config.publicUrl;
    const id = outbox.aggregate_id;
    let subject: Subject;
    let link: string;
    let rows: Row[] = [];
    switch (outbox.aggregate_type) {
      case 'incident':
        subject = 'incident';
        link = `${base}/incidents/${id}`;
        rows = await this.dataSource.query(
          `SELECT i.title, i.description, i.affected_systems, a.timezone, n.due_at AS next_due, n.kind AS next_kind
             FROM incidents i JOIN agencies a ON a.id = i.agency_id
             LEFT JOIN LATERAL (SELECT d.kind, d.due_at FROM deadlines d
                                 WHERE d.subject_type = 'incident' AND d.subject_id = i.id AND d.status = 'pending' AND d.kind = ANY($2)
                                 ORDER BY d.due_at, d.kind LIMIT 1) n ON true
            WHERE i.id = $1`,
          // The clock that concerns the mail's reader (the reviewer's review, the paged person's acknowledgement, …).
          [id, readerDeadlineKinds(outbox.template)],
        );
        break;
      case 'drill':
        subject = 'drill';
        link = `${base}/drills/${id}`;
        rows = await this.dataSource.query(
          `SELECT p.title, p.tlp, p.data_level, a.timezone, n.due_at AS next_due, n.kind AS next_kind
             FROM drills r JOIN continuity_plans p ON p.id = r.plan_id JOIN agencies a ON a.id = r.agency_id
             LEFT JOIN LATERAL (SELECT d.kind, d.due_at FROM deadlines d
                                 WHERE d.subject_type = 'drill' AND d.subject_id = r.id AND d.status = 'pending' AND d.kind <> 'reminder'
                                 ORDER BY d.due_at, d.kind LIMIT 1) n ON true
            WHERE r.id = $1`,
          [id],
        );
        break;
      case 'plan':
        subject = 'plan';
        link = `${base}/continuity/plans/${id}`;
        rows = await this.dataSource.query(
          `SELECT p.title, p.tlp, p.data_level, p.review_due_at AS next_due, 'review' AS next_kind, a.timezone
             FROM continuity_plans p JOIN agencies a ON a.id = p.agency_id WHERE p.id = $1`,
          [id],
        );
        break;
      case 'corrective_action':
        subject = 'corrective_action';
        link = `${base}/corrective-actions/${id}`;
        rows = await this.dataSource.query(
          // The source's classification now (a plan may have become AMBER since the intent was written).
          `SELECT c.title, c.due_at AS next_due, 'due' AS next_kind, a.timezone, coalesce(p.tlp, i.tlp) AS tlp, coalesce(p.data_level, i.data_level) AS data_level
             FROM corrective_actions c JOIN agencies a ON a.id = c.agency_id
             LEFT JOIN drills r ON c.source_type = 'drill' AND r.id = c.source_id
             LEFT JOIN continuity_plans p ON p.id = r.plan_id
             LEFT JOIN incidents i ON c.source_type = 'incident' AND i.id = c.source_id
            WHERE c.id = $1`,
          [id],
        );
        break;
      case 'account':
        subject = 'account';
        // The holder of a locked account signs in again; the admins read the account.
        link = outbox.template === 'account.locked' ? base : `${base}/users/${id}`;
        break;
      default:
        subject = 'other';
        link = base;
    }
    const row = rows[0];
    if (!row) {
      // Unknown aggregate type or a subject that is gone: the payload only, in the agency's time zone.
      const agencies: Array<{ timezone: string }> = await this.dataSource.query('SELECT timezone FROM agencies WHERE id = $1', [outbox.agency_id]);
      return { subject, link, timezone: agencies[0]?.timezone ?? 'Asia/Taipei', deadline: outbox.payload.dueAt ?? null };
    }
    return {
      subject,
      link,
      timezone: row.timezone,
      deadline: row.next_due?.toISOString() ?? null,
      ...(row.next_due && row.next_kind ? { deadlineKind: row.next_kind } : {}),
      title: row.title,
      ...(subject === 'incident' ? { description: row.description, affectedSystems: row.affected_systems } : {}),
      ...(row.tlp && row.data_level ? { classification: { tlp: row.tlp, dataLevel: row.data_level } } : {}),
    };
  }

  async deliver(outboxId: string, finalAttempt: boolean): Promise<DeliveryOutcome> {
    const outboxRows: OutboxRow[] = await this.dataSource.query('SELECT * FROM outbox WHERE id = $1', [outboxId]);
    const outbox = outboxRows[0];
    if (!outbox) return { status: 'missing' };
    const now = this.clock.now();
    const details = await this.subjectOf(outbox);
    // An intent found to reach nobody stays failed: a later attempt (for its webhooks) mails no one.
    const recipients = outbox.failure_reason ? [] : await resolveRecipients(this.dataSource.manager, outbox.agency_id, outbox.audience, now);
    for (const r of recipients) {
      await this.dataSource.query(
        `INSERT INTO deliveries (id, outbox_id, channel, recipient_user_id, address, locale, status, created_at, updated_at)
         VALUES ($1, $2, 'email', $3, $4, $5, 'queued', $6, $6) ON CONFLICT (outbox_id, channel, address) DO NOTHING`,
        [randomUUID(), outboxId, r.userId, r.address, r.locale, now],
      );
    }
    if (!recipients.length && !outbox.failure_reason) await this.failIfNobody(outbox);
    const pending: Array<{ id: string; address: string; locale: 'zh-TW' | 'en' }> = await this.dataSource.query(
      `SELECT id, address, locale FROM deliveries WHERE outbox_id = $1 AND channel = 'email' AND status IN ('queued','sending','failed') ORDER BY address`,
      [outboxId],
    );
    const p = outbox.payload;
    // Labels missing from the payload withhold (fail safe); the subject's current classification applies when stricter.
    const tlp = stricter(TLP_LABELS, p.tlp ?? 'RED', details.classification?.tlp);
    const dataLevel = stricter(DATA_LEVELS, p.dataLevel ?? 'confidential', details.classification?.dataLevel);
    const reference = p.reference ?? '';
    let failed = 0;
    let sent = 0;
    for (const d of pending) {
      // Record the intent before the SMTP call.
      await this.dataSource.query(`UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, [d.id, this.clock.now()]);
      const mail = renderNotification(outbox.template, d.locale, {
        subject: details.subject,
        reference,
        level: p.level ?? null,
        state: p.state ?? '',
        tlp,
        dataLevel,
        isDrill: p.isDrill ?? false,
        link: details.link,
        deadline: details.deadline,
        deadlineKind: details.deadlineKind ?? null,
        timezone: details.timezone,
        title: details.title,
        description: details.description,
        affectedSystems: details.affectedSystems,
        roles: p.roles,
        actor: p.grantedBy,
        webhook: p.webhook,
      });
      try {
        const info = await this.mail.transporter.sendMail({
          from: this.config.mailFrom,
          to: d.address,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: this.messageId(outboxId, d.address),
          headers: {
            'X-Reference': reference,
            // Kept for incidents: mail filters written against it.
            ...(details.subject === 'incident' ? { 'X-Incident-Reference': reference } : {}),
            'Auto-Submitted': 'auto-generated',
          },
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
    // The second channel: every enabled webhook of the agency gets the same intent, signed (a
    // deleted webhook's row is gone, a disabled one is skipped); an account notice is addressed to
    // people, never to a channel.
    const hooks: Array<{ url: string; secret: string }> =
      outbox.aggregate_type === 'account'
        ? []
        : await this.dataSource.query('SELECT DISTINCT ON (url) url, secret FROM webhooks WHERE agency_id = $1 AND enabled ORDER BY url, created_at', [
            outbox.agency_id,
          ]);
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
    const withhold = mustWithholdDetails(tlp, dataLevel);
    for (const d of pendingHooks) {
      const hook = hooks.find((h) => h.url === d.address);
      if (!hook) {
        // The webhook was disabled or deleted since: nothing to send it to.
        await this.dataSource.query(`UPDATE deliveries SET status = 'dead', last_error = 'webhook disabled or deleted', updated_at = $2 WHERE id = $1`, [
          d.id,
          this.clock.now(),
        ]);
        continue;
      }
      await this.dataSource.query(`UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = $2 WHERE id = $1`, [d.id, this.clock.now()]);
      const result = await postWebhook(
        hook.url,
        hook.secret,
        d.id,
        {
          id: outboxId,
          template: outbox.template,
          aggregateType: outbox.aggregate_type,
          reference: p.reference ?? null,
          level: p.level ?? null,
          state: p.state ?? null,
          tlp,
          dataLevel,
          // The label receivers apply, as the API shows it (the stricter of the TLP and the data level's floor).
          classification: labelledClassification({ tlp, dataLevel }),
          isDrill: (p.isDrill ?? false) || details.subject === 'drill',
          deadline: details.deadline,
          deadlineKind: details.deadline ? (details.deadlineKind ?? null) : null,
          link: details.link,
          ...(withhold || !details.title ? {} : { title: details.title }),
        },
        { allowList: this.config.webhookAllowList },
      );
      if (result.refused) {
        // Not https, or an address that is not public (checked again here, after resolution): a retry would be refused too.
        await this.dataSource.query(`UPDATE deliveries SET status = 'dead', last_error = $2, updated_at = $3 WHERE id = $1`, [
          d.id,
          result.detail.slice(0, 1000),
          this.clock.now(),
        ]);
        this.logger.warn(`webhook delivery ${d.id} to ${hook.url} ${result.detail}`);
        // Every later delivery would be refused too: the webhook is disabled, audited, and the admins alerted once.
        await this.refusedWebhooks.disable(outbox, { url: hook.url, deliveryId: d.id, rules: result.rules ?? [], detail: result.detail });
      } else if (result.ok) {
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
    if (!failed) {
      await this.dataSource.query('UPDATE outbox SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL', [outboxId, this.clock.now()]);
      return outbox.failure_reason ? { status: 'failed', reason: outbox.failure_reason } : { status: 'delivered', sent };
    }
    if (!finalAttempt) return { status: 'retry', failed };
    return this.bury(outbox);
  }

  /**
   * An intent whose audience resolved to nobody (and that has no e-mail delivery from an earlier
   * attempt) is a failure, not a success with zero mails: it is marked `no_recipients` once, and the
   * admins of the sending and the receiving agency are alerted, in one transaction. An alert that
   * reaches nobody is marked and logged, and raises no further alert (no loop).
   */
  private async failIfNobody(outbox: OutboxRow): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      const { count } = await execute(
        manager,
        `UPDATE outbox SET failure_reason = 'no_recipients' WHERE id = $1 AND failure_reason IS NULL
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.outbox_id = $1 AND d.channel = 'email')`,
        [outbox.id],
      );
      if (!count) return;
      outbox.failure_reason = 'no_recipients';
      if (isAlert(outbox.template)) {
        this.logger.error(`outbox ${outbox.id} (${outbox.template}): the alert reached nobody (no admin to receive it); no further alert`);
        return;
      }
      await enqueueAlert(manager, outbox, 'delivery.no_recipients', noRecipientAlertAudience(outbox.audience), now);
      this.logger.warn(`outbox ${outbox.id} (${outbox.template}): no recipient; the admins are alerted`);
    });
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
      await manager.query('UPDATE outbox SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL', [outbox.id, now]);
      if (!isAlert(outbox.template)) await enqueueAlert(manager, outbox, 'delivery.dead', [{ kind: 'role', role: 'admin' }], now);
      this.logger.warn(`outbox ${outbox.id} (${outbox.template}): ${count} delivery(ies) dead after the last attempt`);
      return { status: 'dead', dead: count } as const;
    });
  }
}
