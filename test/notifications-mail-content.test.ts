import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { ParsedMail } from 'mailparser';
import { fileIncident, send, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';

/*
 * What the e-mails say (issue 9), read from the real SMTP sink after the API, the outbox and the
 * real worker: each mail names the deadline that concerns its reader (the superior agency's
 * reviewer its own review clock, not the paging timeout), and the label shown is the strictest of
 * the TLP and the data level, with the data level in the reader's language.
 */

const HOUR = 3_600_000;
/** A UTC instant as the mails show it in Taipei ("2026-03-02 10:00"). */
const taipei = (at: Date) => new Date(at.getTime() + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');
const to = (m: ParsedMail) => JSON.stringify(m.to);
const all = (m: ParsedMail) => [m.subject ?? '', m.text ?? '', String(m.html ?? '')].join('\n');

describe('notification e-mails: the reader’s deadline and the strictest label', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{notify-content-${process.pid}-${randomUUID().slice(0, 8)}}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email = 'ciso@sub.gov.tw'`);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, NOTIFY_BACKOFF_MS: '20', PUBLIC_URL: 'https://ir.sub.gov.tw' });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  const mailsOf = (reference: string) => sink.messages.filter((m) => m.headers.get('x-incident-reference') === reference);
  const dueAt = async (incidentId: string, kind: string): Promise<Date> => {
    const { rows } = await t.db.query(
      `SELECT due_at FROM deadlines WHERE subject_type = 'incident' AND subject_id = $1 AND kind = $2 ORDER BY created_at DESC`,
      [incidentId, kind],
    );
    return rows[0].due_at as Date;
  };
  const allSent = (incidentId: string, intents: number) =>
    until(`${intents} intents of the incident finished and sent`, async () => {
      const { rows } = await t.db.query(
        `SELECT o.finished_at, count(d.id)::int AS n, count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent
           FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id WHERE o.aggregate_id = $1 GROUP BY o.id`,
        [incidentId],
      );
      return rows.length === intents && rows.every((r) => r.finished_at && r.n > 0 && r.n === r.sent);
    });

  it('mails the superior agency’s reviewer its own review deadline, the filing its report, the page its acknowledgement, the triage its recovery', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    // incident.filed and incident.paged delivered while the report is still due.
    await allSent(filed.id, 2);
    await until('the filing mails parsed', async () => mailsOf(filed.reference).length >= 2);
    // Triaged by the on-call manager without ACKNOWLEDGE: the triage counts as the acknowledgement
    // (incident.acknowledged and incident.triaged), then the report asks the superior to review.
    const triaged = await send(t, w.tokens.manager, filed.id, {
      type: 'TRIAGE',
      impact: { confidentiality: 1, integrity: 2, availability: 2 },
      category: 'web_attack',
    });
    expect(triaged.status).toBe(200);
    await allSent(filed.id, 4);
    const reported = await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' });
    expect(reported.status).toBe(200);
    await allSent(filed.id, 5);
    const review = await until('the review request parsed', async () => mailsOf(filed.reference).find((m) => to(m).includes('ciso@sup.gov.tw')));

    const [report, acknowledgement, superiorReview, recovery] = [
      await dueAt(filed.id, 'report'),
      await dueAt(filed.id, 'acknowledgement'),
      await dueAt(filed.id, 'superior_review'),
      await dueAt(filed.id, 'recovery'),
    ];
    expect((await t.db.query(`SELECT status FROM deadlines WHERE subject_id = $1 AND kind = 'acknowledgement'`, [filed.id])).rows).toEqual([{ status: 'met' }]);
    // The agency's own next clock (recovery) is not the reviewer's: the reviewer sees the review deadline.
    expect(review.subject).toBe(`[TLP:AMBER] 下級機關資安事件 ${filed.reference} 待審核`);
    expect(review.text).toContain(`上級審核期限: ${taipei(superiorReview)} (Asia/Taipei, UTC+08:00)`);
    expect(review.text).not.toContain(taipei(acknowledgement));
    expect(review.text).not.toContain(taipei(recovery));

    // The filing mail names the one-hour report, the page the acknowledgement it asks for.
    const toManager = mailsOf(filed.reference).filter((m) => to(m).includes('manager@sub.gov.tw'));
    const filing = toManager.find((m) => (m.subject ?? '').includes('新資安事件通報'))!;
    const page = toManager.find((m) => (m.subject ?? '').includes('待命呼叫'))!;
    expect(acknowledgement.getTime()).toBeLessThan(report.getTime());
    expect(filing.text).toContain(`通報期限: ${taipei(report)} (Asia/Taipei, UTC+08:00)`);
    expect(filing.text).not.toContain(taipei(acknowledgement));
    expect(page.text).toContain(`確認期限: ${taipei(acknowledgement)} (Asia/Taipei, UTC+08:00)`);
    // The responders recover: the triage mail names the recovery clock.
    const triage = mailsOf(filed.reference).find((m) => to(m).includes('responder@sub.gov.tw'))!;
    expect(triage.subject).toBe(`[TLP:AMBER] 資安事件 ${filed.reference} 已完成分級`);
    expect(triage.text).toContain(`復原期限: ${taipei(recovery)} (Asia/Taipei, UTC+08:00)`);
    expect(triage.text).not.toContain(taipei(acknowledgement));
  });

  it('labels TLP:CLEAR with confidential data RED in every subject and body, naming the data level in each reader’s language', async () => {
    const filed = await fileIncident(t, w.tokens.reporter, {
      impact: { confidentiality: 3, integrity: 1, availability: 1 },
      classification: { tlp: 'CLEAR', dataLevel: 'confidential' },
    });
    // incident.filed and incident.paged to the on-call manager (zh-TW), incident.major to the CISO (en).
    await allSent(filed.id, 3);
    const mails = await until('the three mails parsed', async () => mailsOf(filed.reference).length >= 3 && mailsOf(filed.reference));
    expect(mails).toHaveLength(3);
    for (const mail of mails) {
      expect(mail.subject!.startsWith('[TLP:RED] ')).toBe(true);
      expect(mail.text!.startsWith('[TLP:RED]\n')).toBe(true);
      expect(String(mail.html)).toContain('<p><strong>[TLP:RED]</strong></p>');
      expect(all(mail)).not.toContain('CLEAR');
      for (const secret of ['Website defaced', 'foreign banner', 'www.sub.gov.tw']) expect(all(mail)).not.toContain(secret);
    }
    const toCiso = mails.find((m) => to(m).includes('ciso@sub.gov.tw'))!;
    expect(toCiso.subject).toBe(`[TLP:RED] [MAJOR] Level 3–4 security incident ${filed.reference}`);
    expect(toCiso.text).toContain('Classified TLP RED / confidential: this e-mail carries no incident details.');
    for (const mail of mails.filter((m) => to(m).includes('manager@sub.gov.tw'))) {
      expect(mail.text).toContain('依資料安全等級（TLP RED／機密），本信不含事件內容');
      expect(all(mail)).not.toContain('confidential');
    }
  });
});
