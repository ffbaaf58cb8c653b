import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestingModule } from '@nestjs/testing';
import { startDeadlineFiring, type DeadlineFiring } from './support/deadline-firing.js';
import { expectStatus as ok } from './support/http.js';
import { fileIncident, incidentBody, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, login, seedUser, startTestWorker, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';
import { randomUUID } from 'node:crypto';

/*
 * The workflow rules that trying the product as its users would (issue 9) showed missing: what the
 * responders wrote can be read back, the superior's reviewed level counts, handling stops the
 * pager, a reclassification that changes nothing is refused, reopening keeps history and tells
 * everyone, implausible awareness times are refused, list items carry their deadlines.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const HOUR = 3_600_000;

describe('incident workflow rules through the API', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let firing: DeadlineFiring;
  let sink: SmtpSink;
  let worker: TestingModule;
  let staff: string;
  const prefix = `{rules-${process.pid}-${Date.now()}}`;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // The clock moves by days here: sessions must outlive it.
    t = await createTestApp({ SMTP_URL: sink.url, QUEUE_PREFIX: prefix, SESSION_TTL: 'P30D' });
    w = await seedIncidentWorld(t);
    // Staff of the agency who did not file: they see the incident, redacted when it is restricted.
    await seedUser(t, { agencyId: w.sub, email: 'staff@sub.gov.tw', roles: ['reporter'] });
    staff = await login(t, 'staff@sub.gov.tw');
    firing = await startDeadlineFiring(t);
    worker = await startTestWorker(t, { SMTP_URL: sink.url, QUEUE_PREFIX: prefix, NOTIFY_BACKOFF_MS: '20', PUBLIC_URL: 'https://ir.sub.gov.tw' });
  });
  afterAll(async () => {
    await worker.close();
    await firing.close();
    await t.close();
    await sink.close();
  });

  const get = async (token: string, id: string) => ok(await t.http().get(`/api/incidents/${id}`).set(auth(token)));
  const timeline = async (token: string, id: string) => ok(await t.http().get(`/api/incidents/${id}/timeline`).set(auth(token))).items as any[];
  const templates = async (id: string) =>
    (ok(await t.http().get(`/api/incidents/${id}/notifications`).set(auth(w.tokens.manager))).items as any[]).map((n) => n.template);
  const mailsTo = async (reference: string, template: string, count: number) =>
    waitFor(`${count} ${template} mails for ${reference}`, async () => {
      const { rows } = await t.db.query(
        `SELECT d.address FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
          WHERE o.template = $1 AND o.payload->>'reference' = $2 AND d.status = 'sent' ORDER BY d.address`,
        [template, reference],
      );
      return rows.length >= count && rows.map((r) => r.address as string);
    });

  /** Filed, triaged, reported and reviewed by the superior at the reported level; law enforcement not required. */
  async function reportedAndReviewed(overrides: Record<string, unknown> = {}) {
    const filed = await fileIncident(t, w.tokens.reporter, overrides);
    ok(await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
    ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'superior_agency' }));
    ok(await send(t, w.tokens.supCiso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 2, note: 'level confirmed' }));
    ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_NOT_REQUIRED', reason: 'no criminal act' }));
    return filed;
  }

  describe('1. the response summaries and the improvement report can be read back', () => {
    const report = {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      rootCause: 'CMS plugin two years out of date',
      measures: { technical: 'patched; WAF rule', management: 'monthly patch review' },
      schedule: 'all measures by 2026-04-01; follow-up in May',
    };

    it('handlers, the CISO, the superior reviewer and the auditor read them before and after closure; staff without clearance get times only', async () => {
      const filed = await reportedAndReviewed();
      ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'page restored from backup, admin login closed' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'service normal since 11:20' }));

      // Before closure (in review): the CISO reads what the responders wrote before approving.
      const inReview = await get(w.tokens.ciso, filed.id);
      expect(inReview.state).toBe('review');
      expect(inReview.response).toMatchObject({
        containmentSummary: 'page restored from backup, admin login closed',
        recoverySummary: 'service normal since 11:20',
        containedAt: expect.any(String),
        recoveredAt: expect.any(String),
      });

      ok(await send(t, w.tokens.manager, filed.id, report));
      for (const token of [w.tokens.manager, w.tokens.ciso, w.tokens.responder, w.tokens.reporter, w.tokens.supCiso, w.tokens.auditor]) {
        const view = await get(token, filed.id);
        expect(view.state).toBe('closed');
        expect(view.improvementReport).toMatchObject({ rootCause: report.rootCause, measures: report.measures, schedule: report.schedule });
        expect(view.response.recoverySummary).toBe('service normal since 11:20');
        const entries = await timeline(token, filed.id);
        expect(entries.find((e) => e.entry === 'contained').data).toEqual({ summary: 'page restored from backup, admin login closed' });
        expect(entries.find((e) => e.entry === 'recovered').data).toEqual({ summary: 'service normal since 11:20' });
        expect(entries.find((e) => e.entry === 'improvement_report_submitted').data).toEqual({
          rootCause: report.rootCause,
          measures: report.measures,
          schedule: report.schedule,
        });
      }

      // The incident is AMBER / sensitive: staff without clearance see that it happened and when, not what was written.
      const redacted = await get(staff, filed.id);
      expect(redacted).toMatchObject({ redacted: true, title: null, description: null });
      expect(redacted.response).toEqual({ containedAt: expect.any(String), recoveredAt: expect.any(String) });
      expect(redacted.improvementReport).toEqual({ at: expect.any(String), by: expect.any(String) });
      expect(JSON.stringify(redacted)).not.toContain('CMS plugin');
      expect(JSON.stringify(redacted)).not.toContain('restored from backup');
      expect((await timeline(staff, filed.id)).every((e) => e.data === undefined)).toBe(true);
    });

    it('an unrestricted incident shows the same to every reader of the agency', async () => {
      const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'CLEAR', dataLevel: 'public' } });
      ok(await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'public page replaced' }));
      const view = await get(staff, filed.id);
      expect(view.redacted).toBe(false);
      expect(view.response.containmentSummary).toBe('public page replaced');
    });
  });

  describe('2. the superior agency’s reviewed level becomes the incident’s level', () => {
    it('reported as level 2, reviewed as 3: level 3, 36-hour recovery, the CISO engaged, the change on the timeline and told to the agency', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
      ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'superior_agency' }));
      const reviewed = ok(await send(t, w.tokens.supCiso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 3, note: '涉及個資 personal data involved' }));
      expect(reviewed.level).toBe(3);
      expect(reviewed.authority.review).toMatchObject({ level: 3 });
      expect(reviewed.regions.authority).toBe('reviewed');
      const awareAt = Date.parse(reviewed.awareAt);
      const recovery = reviewed.deadlines.find((d: any) => d.kind === 'recovery' && d.status === 'pending');
      expect(Date.parse(recovery.dueAt)).toBe(awareAt + 36 * HOUR);
      // The superior set the level: no new report is owed for it.
      const transitions = ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.manager)));
      expect(transitions.allowedEvents.map((e: any) => e.type)).not.toContain('REPORT_TO_AUTHORITY');
      const entry = (await timeline(w.tokens.manager, filed.id)).find((e) => e.entry === 'authority_reviewed');
      expect(entry.data).toMatchObject({ level: 3, reportedLevel: 2 });
      expect(await templates(filed.id)).toEqual(expect.arrayContaining(['authority.level_changed', 'incident.major']));
      const told = await mailsTo(filed.reference, 'authority.level_changed', 2);
      expect(told).toEqual(['ciso@sub.gov.tw', 'manager@sub.gov.tw']);
      expect(await mailsTo(filed.reference, 'incident.major', 1)).toEqual(['ciso@sub.gov.tw']);
      // The agency's own reclassification cannot lower the superior's level: the impact is recorded, level 3 stands.
      const adjusted = ok(
        await send(t, w.tokens.manager, filed.id, {
          type: 'RECLASSIFY',
          impact: { confidentiality: 1, integrity: 1, availability: 2 },
          reason: 'integrity restored',
        }),
      );
      expect(adjusted).toMatchObject({ level: 3, impact: { confidentiality: 1, integrity: 1, availability: 2 }, regions: { authority: 'reviewed' } });
      // Level 3: closure needs the CISO's approval.
      ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_NOT_REQUIRED', reason: 'no criminal act' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'x' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'y' }));
      const submitted = ok(
        await send(t, w.tokens.manager, filed.id, { type: 'SUBMIT_IMPROVEMENT_REPORT', rootCause: 'r', measures: { technical: 't' }, schedule: 's' }),
      );
      expect(submitted.regions.review).toBe('awaiting_approval');
    });
  });

  describe('4. the first event of someone who may acknowledge stops the pager', () => {
    it('TRIAGE, REPORT_TO_AUTHORITY and RECLASSIFY without ACKNOWLEDGE: acknowledged via TRIAGE, no escalation when the timeout passes', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      const triaged = ok(
        await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
      );
      expect(triaged.paging).toMatchObject({ acknowledgedVia: 'TRIAGE', acknowledgedAt: expect.any(String) });
      expect(triaged.paging.acknowledgedBy).toBe((ok(await t.http().get('/api/me').set(auth(w.tokens.manager))) as any).id);
      expect(triaged.deadlines.find((d: any) => d.kind === 'acknowledgement').status).toBe('met');
      ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'superior_agency' }));
      ok(await send(t, w.tokens.manager, filed.id, { type: 'RECLASSIFY', impact: { confidentiality: 2, integrity: 2, availability: 1 }, reason: 'c' }));
      const entries = await timeline(w.tokens.manager, filed.id);
      expect(entries.filter((e) => e.entry === 'acknowledged').map((e) => e.data.via)).toEqual(['TRIAGE']);

      t.clock.advance(45 * 60_000); // past every escalation step's timeout
      const fired = (await firing.fireDue()).filter((f) => f.subjectId === filed.id);
      expect(fired.filter((f) => f.kind === 'acknowledgement')).toEqual([]);
      expect((await templates(filed.id)).filter((x) => x === 'incident.paged')).toHaveLength(1);
      const view = await get(w.tokens.manager, filed.id);
      expect(view.paging.step).toBe(0);
    });

    it('while nobody who may acknowledge has acted, the page still escalates', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      t.clock.advance(16 * 60_000);
      const fired = (await firing.fireDue()).filter((f) => f.subjectId === filed.id && f.kind === 'acknowledgement');
      expect(fired.map((f) => f.outcome)).toEqual(['fired']);
      expect((await get(w.tokens.manager, filed.id)).paging).toMatchObject({ step: 1, acknowledgedBy: null, acknowledgedVia: null });
    });
  });

  describe('5. a reclassification that changes nothing', () => {
    it('an identical impact is refused (422, field impact, rule changed) and changes nothing', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      const before = await get(w.tokens.manager, filed.id);
      const intents = (await templates(filed.id)).length;
      const res = await send(t, w.tokens.manager, filed.id, { type: 'RECLASSIFY', impact: before.impact, reason: 'checked again' });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'impact', rule: 'changed', message: expect.stringContaining('沒有需要變更') }]);
      // On a dismissed incident the same body is refused for the state, and says so.
      const dismissed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, dismissed.id, { type: 'DISMISS', reason: 'duplicate' }));
      const late = await send(t, w.tokens.manager, dismissed.id, { type: 'RECLASSIFY', impact: before.impact, reason: 'checked again' });
      expect(late.status).toBe(422);
      expect(late.body.errors).toBeUndefined();
      expect(late.body.detail).toContain('not possible now');
      const after = await get(w.tokens.manager, filed.id);
      expect(after.version).toBe(before.version);
      expect((await templates(filed.id)).length).toBe(intents);
    });

    it('a new impact at the same level is recorded without a "level changed" e-mail', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
      const changed = ok(
        await send(t, w.tokens.manager, filed.id, { type: 'RECLASSIFY', impact: { confidentiality: 2, integrity: 1, availability: 2 }, reason: 'c not i' }),
      );
      expect(changed.level).toBe(2);
      expect(changed.impact).toEqual({ confidentiality: 2, integrity: 1, availability: 2 });
      expect(await templates(filed.id)).not.toContain('incident.reclassified');
    });
  });

  describe('6. reopening', () => {
    it('a closed incident: a new round from the reopening, the concluded case kept as history, everyone told of the closure is told', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }));
      ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'superior_agency' }));
      ok(await send(t, w.tokens.supCiso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 2, note: 'ok' }));
      ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_REQUEST', reason: 'intrusion' }));
      ok(
        await send(t, w.tokens.ethics, filed.id, {
          type: 'LE_CONTACTED',
          lawEnforcementAgency: 'investigation_bureau',
          officer: 'Officer Lin',
          caseNumber: 'MJIB-115-042',
        }),
      );
      ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_CONCLUDED', note: 'referred to the prosecutor' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'x' }));
      ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'y' }));
      ok(await send(t, w.tokens.manager, filed.id, { type: 'SUBMIT_IMPROVEMENT_REPORT', rootCause: 'r', measures: { technical: 't' }, schedule: 's' }));
      const closureTold = await mailsTo(filed.reference, 'incident.closed', 2);

      t.clock.advance(2 * 24 * HOUR);
      const reopenedAt = t.clock.now().getTime();
      const reopened = ok(await send(t, w.tokens.ciso, filed.id, { type: 'REOPEN', reason: 'the intruder came back' }));
      expect(reopened.state).toBe('reported');
      expect(reopened.lawEnforcement).toMatchObject({ status: 'undecided', officer: null, caseNumber: null, note: null });
      expect(reopened.earlierRounds).toEqual([
        expect.objectContaining({
          ended: 'closed',
          lawEnforcement: expect.objectContaining({
            status: 'concluded',
            officer: 'Officer Lin',
            caseNumber: 'MJIB-115-042',
            note: 'referred to the prosecutor',
          }),
          improvementReport: expect.objectContaining({ rootCause: 'r' }),
        }),
      ]);
      expect(reopened.improvementReport).toBeNull();
      const report = reopened.deadlines.find((d: any) => d.kind === 'report' && d.status === 'pending');
      expect(Date.parse(report.dueAt)).toBe(reopenedAt + HOUR);

      // Told of the reopening: the on-call manager, the CISO and the reporter (the reporter and the manager were told of the closure).
      const told = await mailsTo(filed.reference, 'incident.reopened', 3);
      expect(told).toEqual(['ciso@sub.gov.tw', 'manager@sub.gov.tw', 'reporter@sub.gov.tw']);
      expect(closureTold.every((a) => told.includes(a))).toBe(true);
    });

    it('a wrongly dismissed incident: the report clock still counts from the original awareness, so a late report breaches at once', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, { type: 'DISMISS', reason: 'looked like a duplicate' }));
      const dismissTold = await mailsTo(filed.reference, 'incident.dismissed', 2);
      t.clock.advance(3 * HOUR);
      const reopened = ok(await send(t, w.tokens.manager, filed.id, { type: 'REOPEN', reason: 'not a duplicate after all' }));
      const report = reopened.deadlines.find((d: any) => d.kind === 'report' && d.status === 'pending');
      expect(Date.parse(report.dueAt)).toBe(Date.parse(reopened.awareAt) + HOUR);
      expect(reopened.earlierRounds).toEqual([
        expect.objectContaining({ ended: 'dismissed', dismissal: expect.objectContaining({ reason: 'looked like a duplicate' }) }),
      ]);

      // Already due: the worker fires it at once (or the test's firing does, whichever comes first).
      await firing.fireDue();
      const late = await waitFor('the late report breached', async () => {
        const view = await get(w.tokens.manager, filed.id);
        return view.breaches.length > 0 && view;
      });
      expect(late.overdue).toBe(true);
      expect(late.breaches).toEqual([expect.objectContaining({ kind: 'report', dueAt: report.dueAt })]);
      const told = await mailsTo(filed.reference, 'incident.reopened', 3);
      expect(dismissTold.every((a) => told.includes(a))).toBe(true);
    });
  });

  describe('8. implausible awareness times', () => {
    const file = (token: string, body: Record<string, unknown>) =>
      t.http().post('/api/incidents').set(auth(token)).set('Idempotency-Key', randomUUID()).send(incidentBody(t, body));

    it.each([
      ['1900-01-01', () => '1900-01-01T00:00:00+08:00'],
      ['400 days ago', () => new Date(t.clock.now().getTime() - 400 * 24 * HOUR).toISOString()],
    ])('awareAt %s is refused (rule withinLookBack) and files nothing', async (_name, awareAt) => {
      const before = await t.db.query('SELECT count(*)::int AS n FROM incidents');
      const res = await file(w.tokens.reporter, { awareAt: awareAt() });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'awareAt', rule: 'withinLookBack', message: expect.stringContaining('P1Y') }]);
      expect((await t.db.query('SELECT count(*)::int AS n FROM incidents')).rows[0].n).toBe(before.rows[0].n);
    });

    it('an awareness eleven months ago is accepted; an occurrence years before awareness too, but not more than ten years', async () => {
      const now = t.clock.now().getTime();
      const aware = new Date(now - 330 * 24 * HOUR).toISOString();
      ok(await file(w.tokens.reporter, { awareAt: aware, occurredAt: new Date(now - 3 * 365 * 24 * HOUR).toISOString() }), 201);
      const res = await file(w.tokens.reporter, { occurredAt: new Date(now - 11 * 365 * 24 * HOUR).toISOString() });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'occurredAt', rule: 'withinTenYearsOfAwareAt', message: expect.any(String) }]);
    });

    it('the look-back is configurable (AWARENESS_LOOKBACK)', async () => {
      const short = await createTestApp({ AWARENESS_LOOKBACK: 'P30D' });
      try {
        short.clock.set(t.clock.now());
        const sw = await seedIncidentWorld(short);
        const now = short.clock.now().getTime();
        const refused = await short
          .http()
          .post('/api/incidents')
          .set(auth(sw.tokens.reporter))
          .set('Idempotency-Key', randomUUID())
          .send(incidentBody(short, { awareAt: new Date(now - 40 * 24 * HOUR).toISOString() }));
        expect(refused.status).toBe(400);
        expect(refused.body.errors[0]).toMatchObject({ field: 'awareAt', rule: 'withinLookBack', message: expect.stringContaining('P30D') });
      } finally {
        await short.close();
      }
    });
  });

  describe('9. the label shown is the strictest of TLP and data level', () => {
    it('{tlp: CLEAR, dataLevel: confidential} is shown as RED in the detail and the list, and withheld as such', async () => {
      const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'CLEAR', dataLevel: 'confidential' } });
      expect((await get(w.tokens.manager, filed.id)).classification).toEqual({ tlp: 'CLEAR', dataLevel: 'confidential', label: 'RED' });
      const list = ok(await t.http().get('/api/incidents?limit=50').set(auth(w.tokens.manager)));
      expect(list.items.find((i: any) => i.id === filed.id).classification.label).toBe('RED');
      expect(await get(staff, filed.id)).toMatchObject({ redacted: true, title: null });
      const plain = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'AMBER', dataLevel: 'general' } });
      expect((await get(w.tokens.manager, plain.id)).classification.label).toBe('AMBER');
    });
  });

  describe('10. list items carry their deadlines', () => {
    it('each item’s deadlines are the same as its detail’s', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
      const list = ok(await t.http().get('/api/incidents?limit=5').set(auth(w.tokens.manager)));
      expect(list.items.length).toBeGreaterThan(1);
      for (const item of list.items) {
        const detail = await get(w.tokens.manager, item.id);
        expect(item.deadlines).toEqual(detail.deadlines);
      }
      expect(list.items.find((i: any) => i.id === filed.id).deadlines.length).toBeGreaterThan(0);
    });
  });
});
