import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { ParsedMail } from 'mailparser';
import { OutboxRelay } from '../apps/api/src/notifications/outbox-relay.service.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor as until } from './support/wait.js';
import { deleteQueueKeys } from './support/queue-keys.js';

/*
 * Business continuity notifications (issue 5) through the real worker and a real SMTP server:
 * outbox rows of aggregate type drill, plan and corrective_action (as the continuity services write
 * them: reference, state, classification, no confidential text) are rendered per subject, in each
 * recipient's language, with the drill label, the subject's own link and deadline, and the
 * article-27 withholding of an AMBER plan's title.
 */

const PUBLIC_URL = 'https://ir.bcp.gov.tw';
const AMBER_TITLE = '核心系統異地備援計畫 Core systems failover plan';
const GREEN_TITLE = '公開網站持續運作計畫 Public website continuity plan';
const CA_TITLE = 'Replace the failover switch at site B';

const all = (m: ParsedMail) => [m.subject ?? '', m.text ?? '', String(m.html ?? '')].join('\n');
const to = (m: ParsedMail) => JSON.stringify(m.to);

describe('business continuity notifications: drills, plans and corrective actions by e-mail', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: TestingModule;
  const prefix = `{test-bcp-notify-${process.pid}-${randomUUID().slice(0, 8)}}`;
  let agencyId: string;
  let coordinatorId: string;
  let ownerId: string;
  const amberPlanId = randomUUID();
  const greenPlanId = randomUUID();
  const drillId = randomUUID();
  const actionId = randomUUID();
  const DRILL_REF = 'BCP-DR-2026-0001';
  const SCHEDULED_FOR = new Date('2026-03-20T01:00:00.000Z'); // 09:00 in Taipei
  const ACTION_DUE = new Date('2026-04-30T08:30:00.000Z'); // 16:30 in Taipei

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix });
    agencyId = await seedAgency(t.db, { code: 'BCP' });
    coordinatorId = await seedUser(t, { agencyId, email: 'coordinator@bcp.gov.tw', roles: ['continuity_coordinator', 'reporter'] });
    await seedUser(t, { agencyId, email: 'deputy-coordinator@bcp.gov.tw', roles: ['continuity_coordinator', 'reporter'] });
    ownerId = await seedUser(t, { agencyId, email: 'owner@bcp.gov.tw', roles: ['responder', 'reporter'] });
    await t.db.query(`UPDATE users SET locale = 'en' WHERE email IN ('deputy-coordinator@bcp.gov.tw', 'owner@bcp.gov.tw')`);

    const now = t.clock.now();
    await t.db.query(
      `INSERT INTO continuity_plans (id, agency_id, reference, title, tlp, data_level, current_version, review_due_at, created_by, created_at, updated_at)
       VALUES ($1, $3, 'BCP-PLAN-0001', $4, 'AMBER', 'general', 2, '2027-03-01T00:00:00Z', $5, $6, $6),
              ($2, $3, 'BCP-PLAN-0002', $7, 'GREEN', 'general', 1, '2026-12-31T16:00:00Z', $5, $6, $6)`,
      [amberPlanId, greenPlanId, agencyId, AMBER_TITLE, coordinatorId, now, GREEN_TITLE],
    );
    await t.db.query(
      `INSERT INTO drills (id, agency_id, plan_id, reference, drill_type, scheduled_for, state, snapshot, machine_version, version, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'tabletop', $5, 'scheduled', '{}', 1, 1, $6, $7, $7)`,
      [drillId, agencyId, amberPlanId, DRILL_REF, SCHEDULED_FOR, coordinatorId, now],
    );
    // The drill's clocks: a reminder a week before (not a deadline of the drill) and the start.
    await t.db.query(
      `INSERT INTO deadlines (id, subject_type, subject_id, kind, step, due_at, status, created_at)
       VALUES ($1, 'drill', $3, 'reminder', 1, '2026-03-13T01:00:00Z', 'pending', $4), ($2, 'drill', $3, 'start', NULL, $5, 'pending', $4)`,
      [randomUUID(), randomUUID(), drillId, now, SCHEDULED_FOR],
    );
    await t.db.query(
      `INSERT INTO corrective_actions (id, agency_id, source_type, source_id, title, owner_user_id, due_at, status, version, created_by, created_at, updated_at)
       VALUES ($1, $2, 'drill', $3, $4, $5, $6, 'open', 1, $7, $8, $8)`,
      [actionId, agencyId, drillId, CA_TITLE, ownerId, ACTION_DUE, coordinatorId, now],
    );

    worker = await startTestWorker(t, {
      SMTP_URL: sink.url,
      QUEUE_PREFIX: prefix,
      NOTIFY_BACKOFF_MS: '20',
      NOTIFY_ATTEMPTS: '3',
      MAIL_FROM: 'Continuity <bcp@bcp.gov.tw>',
      PUBLIC_URL,
    });
  });
  afterAll(async () => {
    await worker?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
    await sink.close();
  });

  /** Inserts an outbox row as the continuity services do, lets the worker deliver it, returns its mails. */
  async function deliver(row: { aggregateType: string; aggregateId: string; template: string; audience: unknown[]; payload: Record<string, unknown> }) {
    const id = randomUUID();
    await t.db.query(
      `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id, agencyId, row.aggregateType, row.aggregateId, row.template, JSON.stringify(row.audience), JSON.stringify(row.payload), t.clock.now()],
    );
    await worker.get(OutboxRelay).drain();
    const deliveries = await until(`the deliveries of ${row.template} are sent`, async () => {
      const r = await t.db.query(`SELECT address, locale, status FROM deliveries WHERE outbox_id = $1 ORDER BY address`, [id]);
      return r.rows.length > 0 && r.rows.every((d) => d.status === 'sent') && r.rows;
    });
    const mails = await until('the mails arrived', async () => {
      const arrived = sink.messages.filter((m) => m.messageId?.startsWith(`<${id}.`));
      return arrived.length === deliveries.length && arrived;
    });
    return { deliveries, mails };
  }

  it('mails a drill reminder of an AMBER plan in each language: labelled a drill, its link and date, and no plan title', async () => {
    const { deliveries, mails } = await deliver({
      aggregateType: 'drill',
      aggregateId: drillId,
      template: 'drill.reminder',
      audience: [{ kind: 'role', role: 'continuity_coordinator' }],
      payload: { reference: DRILL_REF, state: 'scheduled', tlp: 'AMBER', dataLevel: 'general', isDrill: true, dueAt: SCHEDULED_FOR.toISOString() },
    });
    expect(deliveries).toEqual([
      { address: 'coordinator@bcp.gov.tw', locale: 'zh-TW', status: 'sent' },
      { address: 'deputy-coordinator@bcp.gov.tw', locale: 'en', status: 'sent' },
    ]);
    const zh = mails.find((m) => to(m).includes('"coordinator@bcp.gov.tw'))!;
    const en = mails.find((m) => to(m).includes('deputy-coordinator@bcp.gov.tw'))!;

    expect(zh.subject).toBe(`[TLP:AMBER] 【演練】營運持續演練 ${DRILL_REF} 即將舉行`);
    expect(zh.text!.split('\n').slice(0, 2)).toEqual(['[TLP:AMBER]', '【演練】本通知為營運持續演練，非真實事件。']);
    expect(zh.text).toContain(`演練編號: ${DRILL_REF}`);
    expect(zh.text).toContain('目前狀態: 已排定');
    // The next deadline of the drill is its start (the reminder before it is not a deadline), in Taipei time.
    expect(zh.text).toContain('下一期限: 2026-03-20 09:00 (Asia/Taipei, UTC+08:00)');
    expect(zh.text).toContain('本信不含演練內容');
    expect(zh.html).toContain('lang="zh-TW"');

    expect(en.subject).toBe(`[TLP:AMBER] [DRILL] Reminder: business continuity drill ${DRILL_REF} is coming up`);
    expect(en.text!.split('\n').slice(0, 2)).toEqual(['[TLP:AMBER]', '[DRILL] This is a business continuity drill, not a real event.']);
    expect(en.text).toContain(`Drill reference: ${DRILL_REF}`);
    expect(en.text).toContain('State: scheduled');
    expect(en.text).toContain('Next deadline: 2026-03-20 09:00 (Asia/Taipei, UTC+08:00)');
    expect(en.text).toContain('this e-mail carries no drill details');
    expect(en.html).toContain('lang="en"');

    for (const mail of mails) {
      expect(mail.text).toContain(`${PUBLIC_URL}/drills/${drillId}`);
      expect(String(mail.html)).toContain(`href="${PUBLIC_URL}/drills/${drillId}"`);
      expect(mail.headers.get('x-reference')).toBe(DRILL_REF);
      expect(mail.headers.get('x-incident-reference')).toBeUndefined();
      // Article 27: AMBER, so the plan's title stays in the system; a drill has no incident level.
      expect(all(mail)).not.toContain('核心系統異地備援計畫');
      expect(all(mail)).not.toContain('Core systems failover plan');
      expect(all(mail)).not.toMatch(/事件等級|Level:/);
      expect(all(mail)).not.toContain('2026-03-13');
    }
  });

  it('mails a corrective action to its owner: its own reference label, due date and link, withheld by its drill’s AMBER plan', async () => {
    const reference = `CA-${actionId.slice(0, 8)}`;
    const { deliveries, mails } = await deliver({
      aggregateType: 'corrective_action',
      aggregateId: actionId,
      template: 'corrective_action.assigned',
      audience: [{ kind: 'user', userId: ownerId }],
      payload: { correctiveActionId: actionId, reference, state: 'open', tlp: 'AMBER', dataLevel: 'general', isDrill: false, dueAt: ACTION_DUE.toISOString() },
    });
    expect(deliveries).toEqual([{ address: 'owner@bcp.gov.tw', locale: 'en', status: 'sent' }]);
    const [mail] = mails;
    expect(mail!.subject).toBe(`[TLP:AMBER] Corrective action ${reference} assigned to you`);
    expect(mail!.text!.startsWith('[TLP:AMBER]\n\nA corrective action has been assigned to you or your unit')).toBe(true);
    expect(mail!.text).toContain(`Corrective action: ${reference}`);
    expect(mail!.text).toContain('State: open');
    expect(mail!.text).toContain('Due: 2026-04-30 16:30 (Asia/Taipei, UTC+08:00)');
    expect(mail!.text).toContain(`${PUBLIC_URL}/corrective-actions/${actionId}`);
    expect(mail!.text).toContain('this e-mail carries no corrective action details');
    expect(mail!.headers.get('x-reference')).toBe(reference);
    expect(all(mail!)).not.toContain(CA_TITLE);
    expect(all(mail!)).not.toContain('[DRILL]');
  });

  it('withholds a corrective action’s title by its source’s classification now, even when the payload says GREEN', async () => {
    const reference = `CA-${actionId.slice(0, 8)}`;
    const { mails } = await deliver({
      aggregateType: 'corrective_action',
      aggregateId: actionId,
      template: 'corrective_action.due_soon',
      audience: [{ kind: 'user', userId: ownerId }],
      payload: { correctiveActionId: actionId, reference, state: 'open', tlp: 'GREEN', dataLevel: 'public', isDrill: false, dueAt: ACTION_DUE.toISOString() },
    });
    const [mail] = mails;
    expect(mail!.subject!.startsWith('[TLP:AMBER]')).toBe(true);
    expect(all(mail!)).not.toContain(CA_TITLE);
  });

  it('shows the title of a GREEN plan, and withholds an AMBER plan’s even when the payload was written before it became AMBER', async () => {
    const green = await deliver({
      aggregateType: 'plan',
      aggregateId: greenPlanId,
      template: 'plan.version_created',
      audience: [{ kind: 'user', userId: coordinatorId }],
      payload: { reference: 'BCP-PLAN-0002', state: 'v1', tlp: 'GREEN', dataLevel: 'general', isDrill: false },
    });
    const [greenMail] = green.mails;
    expect(greenMail!.subject).toBe('[TLP:GREEN] 營運持續計畫 BCP-PLAN-0002 已發布新版本');
    expect(greenMail!.text).toContain('計畫編號: BCP-PLAN-0002');
    expect(greenMail!.text).toContain('目前狀態: 第 1 版');
    expect(greenMail!.text).toContain(`計畫名稱: ${GREEN_TITLE}`);
    expect(greenMail!.text).toContain('審查期限: 2027-01-01 00:00 (Asia/Taipei, UTC+08:00)');
    expect(greenMail!.text).toContain(`${PUBLIC_URL}/continuity/plans/${greenPlanId}`);
    expect(all(greenMail!)).not.toContain('【演練】');

    const stale = await deliver({
      aggregateType: 'plan',
      aggregateId: amberPlanId,
      template: 'plan.review_overdue',
      audience: [{ kind: 'user', userId: coordinatorId }],
      payload: { reference: 'BCP-PLAN-0001', state: 'review_overdue', tlp: 'GREEN', dataLevel: 'public', isDrill: false, dueAt: '2027-03-01T00:00:00.000Z' },
    });
    const [amberMail] = stale.mails;
    expect(amberMail!.subject).toBe('[TLP:AMBER] 【逾期】營運持續計畫 BCP-PLAN-0001 逾一年未審查');
    expect(amberMail!.text).toContain('目前狀態: 逾期未審查');
    expect(amberMail!.text).toContain('本信不含計畫內容');
    expect(all(amberMail!)).not.toContain('核心系統異地備援計畫');
  });

  it('delivers an intent of an unknown aggregate type from its payload alone, without crashing the worker', async () => {
    const { mails } = await deliver({
      aggregateType: 'vendor_review',
      aggregateId: randomUUID(),
      template: 'corrective_action.due_soon',
      audience: [{ kind: 'user', userId: ownerId }],
      payload: { reference: 'VR-0009', state: 'pending', tlp: 'CLEAR', dataLevel: 'public', isDrill: false, dueAt: '2026-05-01T02:00:00.000Z' },
    });
    const [mail] = mails;
    expect(mail!.subject).toBe('[TLP:CLEAR] Corrective action VR-0009 due soon');
    expect(mail!.text).toContain('Reference: VR-0009');
    expect(mail!.text).toContain('Deadline: 2026-05-01 10:00 (Asia/Taipei, UTC+08:00)');
    expect(mail!.text).toContain(`Open in the system: ${PUBLIC_URL}`);
    // The worker goes on with the next intent.
    const next = await deliver({
      aggregateType: 'drill',
      aggregateId: drillId,
      template: 'drill.closed',
      audience: [{ kind: 'user', userId: ownerId }],
      payload: { reference: DRILL_REF, state: 'closed', tlp: 'AMBER', dataLevel: 'general', isDrill: true },
    });
    expect(next.mails[0]!.subject).toBe(`[TLP:AMBER] [DRILL] Business continuity drill ${DRILL_REF} closed`);
  });
});
