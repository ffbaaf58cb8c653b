import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as ok } from './support/http.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('incident lifecycle through the HTTP API', () => {
  let t: TestApp;
  let w: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  it('runs a level-2 incident from filing to closed, with the superior agency reviewing', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    expect(filed).toMatchObject({ reference: expect.stringMatching(/^SUB-2026-\d{4}$/), level: 2, state: 'reported', version: 1 });
    expect(filed.deadlines.map((d) => d.kind).sort()).toEqual(['acknowledgement', 'recovery', 'report', 'report_due_soon']);
    const report = filed.deadlines.find((d) => d.kind === 'report')!;
    expect(new Date(report.dueAt).getTime()).toBe(t.clock.now().getTime() - 5 * 60_000 + 3_600_000);

    // The superior does not see it before it is reported.
    expect((await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.supCiso))).status).toBe(404);

    await ok(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    await ok(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    const reported = await ok(
      await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-123' }),
    );
    expect(reported.regions.authority).toBe('reported');
    expect(reported.deadlines.find((d: any) => d.kind === 'report').status).toBe('met');
    expect(reported.deadlines.find((d: any) => d.kind === 'superior_review')).toMatchObject({ status: 'pending' });

    // Now the superior agency's CISO sees it and may review it, and only review it.
    const transitions = await ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.supCiso)));
    expect(transitions.allowedEvents.map((e: any) => e.type)).toEqual(['AUTHORITY_REVIEWED']);
    const forbidden = await send(t, w.tokens.supCiso, filed.id, { type: 'CONTAINED', summary: 'x' });
    expect(forbidden.status).toBe(403);
    const ownReview = await send(t, w.tokens.ciso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 2, note: 'self review' });
    expect(ownReview.status).toBe(403);
    await ok(await send(t, w.tokens.supCiso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 2, note: '同意分級 Level confirmed' }));

    await ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_NOT_REQUIRED', reason: 'no criminal act' }));
    await ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'page restored from backup, WAF rule added' }));
    const recovered = await ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'service normal' }));
    expect(recovered.state).toBe('review');
    expect(recovered.deadlines.find((d: any) => d.kind === 'improvement_report')).toMatchObject({ status: 'pending' });

    const closed = await ok(
      await send(t, w.tokens.manager, filed.id, {
        type: 'SUBMIT_IMPROVEMENT_REPORT',
        rootCause: 'outdated CMS plugin',
        measures: { technical: 'patch and WAF', management: 'monthly patch review' },
        schedule: 'done by 2026-04-01',
      }),
    );
    expect(closed.state).toBe('closed');
    expect(closed.deadlines.every((d: any) => d.status !== 'pending')).toBe(true);

    const timeline = await ok(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    expect(timeline.items.map((e: any) => e.entry)).toEqual([
      'filed',
      'acknowledged',
      'triaged',
      'reported_to_authority',
      'authority_reviewed',
      'law_enforcement_not_required',
      'contained',
      'recovered',
      'improvement_report_submitted',
      'closed',
    ]);
    const notifications = await ok(await t.http().get(`/api/incidents/${filed.id}/notifications`).set(auth(w.tokens.manager)));
    expect(notifications.items.map((n: any) => n.template)).toEqual(
      expect.arrayContaining(['incident.filed', 'incident.paged', 'authority.review_requested', 'incident.closed']),
    );
    const outbox = await t.db.query(`SELECT payload FROM outbox WHERE aggregate_id = $1`, [filed.id]);
    for (const row of outbox.rows) expect(JSON.stringify(row.payload)).not.toContain('defaced');
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE target_id = $1 AND action = 'incident.event'`, [filed.id]);
    expect(audit.rows[0].n).toBe(8);
  });

  it('turns the improvement report’s measures into corrective actions with owners and due dates', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const responderId = (await t.db.query(`SELECT id FROM users WHERE email = 'responder@sub.gov.tw'`)).rows[0].id;
    await ok(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    await ok(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    await ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    await ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_NOT_REQUIRED', reason: 'no criminal act' }));
    await ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'blocked' }));
    await ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'restored' }));
    const report = {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      rootCause: 'outdated CMS plugin',
      measures: { technical: 'patch monthly' },
      schedule: 'by the end of the quarter',
    };
    const bad = await send(t, w.tokens.manager, filed.id, { ...report, correctiveActions: [{ title: 'x', dueAt: '2020-01-01T00:00:00Z' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => `${e.field}:${e.rule}`)).toEqual(
      expect.arrayContaining(['correctiveActions.0.ownerUserId:ownerRequired', 'correctiveActions.0.dueAt:future']),
    );
    const dueAt = new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString();
    await ok(
      await send(t, w.tokens.manager, filed.id, { ...report, correctiveActions: [{ title: 'patch the CMS monthly', ownerUserId: responderId, dueAt }] }),
    );
    const actions = await ok(await t.http().get(`/api/corrective-actions?sourceType=incident&sourceId=${filed.id}`).set(auth(w.tokens.ciso)));
    expect(actions.items).toEqual([
      expect.objectContaining({ title: 'patch the CMS monthly', ownerUserId: responderId, status: 'open', dueAt, source: { type: 'incident', id: filed.id } }),
    ]);
    const timeline = await ok(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    expect(JSON.stringify(timeline)).not.toContain('patch the CMS monthly');
  });

  it('runs a level-4 incident with law enforcement and evidence, closed only after CISO approval', async () => {
    const filed = await fileIncident(t, w.tokens.reporter, {
      category: 'intrusion',
      subcategory: 'data_leak',
      impact: { confidentiality: 4, integrity: 3, availability: 2 },
      classification: { tlp: 'RED', dataLevel: 'confidential' },
    });
    expect(filed.level).toBe(4);
    const recovery = filed.deadlines.find((d) => d.kind === 'recovery')!;
    expect(new Date(recovery.dueAt).getTime() - (t.clock.now().getTime() - 5 * 60_000)).toBe(36 * 3_600_000);

    await ok(
      await send(t, w.tokens.manager, filed.id, {
        type: 'TRIAGE',
        impact: { confidentiality: 4, integrity: 3, availability: 2 },
        category: 'intrusion',
        subcategory: 'data_leak',
      }),
    );
    await ok(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    const review = await ok(await send(t, w.tokens.supCiso, filed.id, { type: 'AUTHORITY_REVIEWED', level: 4, note: 'major incident' }));
    expect(review.regions.authority).toBe('reviewed');

    await ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_REQUEST', reason: 'unauthorised access to personal data (Criminal Code 358–361)' }));
    await ok(
      await send(t, w.tokens.ethics, filed.id, {
        type: 'LE_CONTACTED',
        lawEnforcementAgency: 'investigation_bureau',
        officer: 'Agent Wang',
        caseNumber: 'MJIB-115-0042',
      }),
    );
    const evidence = await ok(
      await t
        .http()
        .post(`/api/incidents/${filed.id}/evidence`)
        .set(auth(w.tokens.responder))
        .send({
          description: 'disk image of db01',
          source: 'db01 /dev/sda',
          collectedBy: 'responder@sub.gov.tw',
          collectedAt: '2026-03-02T08:58:00+08:00',
          sha256: 'a'.repeat(64),
          storage: 'locker B-2',
        }),
      201,
    );
    expect(evidence.collectedAtOffset).toBe('+08:00');
    const transfer = await ok(
      await t
        .http()
        .post(`/api/incidents/${filed.id}/evidence/${evidence.id}/transfers`)
        .set(auth(w.tokens.ethics))
        .send({ from: 'responder@sub.gov.tw', to: 'MJIB Agent Wang', purpose: 'forensic analysis', at: '2026-03-02T09:00:00+08:00', sha256: 'A'.repeat(64) }),
      201,
    );
    expect(transfer.outcome).toBe('accepted');
    const mismatch = await t
      .http()
      .post(`/api/incidents/${filed.id}/evidence/${evidence.id}/transfers`)
      .set(auth(w.tokens.ethics))
      .send({ from: 'MJIB Agent Wang', to: 'SUB IT', purpose: 'return', at: '2026-03-02T09:01:00+08:00', sha256: 'b'.repeat(64) });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.transfer.outcome).toBe('refused_hash_mismatch');
    const custody = await ok(await t.http().get(`/api/incidents/${filed.id}/evidence`).set(auth(w.tokens.ethics)));
    expect(custody.items[0].transfers.map((x: any) => x.outcome)).toEqual(['accepted', 'refused_hash_mismatch']);

    await ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_EVIDENCE_HANDED_OVER', evidenceIds: [evidence.id] }));
    await ok(await send(t, w.tokens.responder, filed.id, { type: 'CONTAINED', summary: 'accounts disabled' }));
    const recovered = await ok(await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'db restored' }));
    expect(recovered.state).toBe('responding'); // law enforcement still open
    const early = await send(t, w.tokens.manager, filed.id, { type: 'SUBMIT_IMPROVEMENT_REPORT', rootCause: 'x', measures: { technical: 'y' }, schedule: 'z' });
    expect(early.status).toBe(422);
    expect(early.body.allowedEvents.map((e: any) => e.type)).toContain('LE_CONCLUDED');
    await ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_CONCLUDED', note: 'case transferred to prosecutors' }));
    const awaiting = await ok(
      await send(t, w.tokens.manager, filed.id, {
        type: 'SUBMIT_IMPROVEMENT_REPORT',
        rootCause: 'stolen VPN credentials',
        measures: { technical: 'MFA on VPN' },
        schedule: 'Q2',
      }),
    );
    expect(awaiting).toMatchObject({ state: 'review', regions: { review: 'awaiting_approval' } });
    expect((await send(t, w.tokens.manager, filed.id, { type: 'APPROVE_CLOSURE' })).status).toBe(403);
    const closed = await ok(await send(t, w.tokens.ciso, filed.id, { type: 'APPROVE_CLOSURE' }));
    expect(closed.state).toBe('closed');
  });

  it('redacts a restricted incident for a reporter who did not file it, and hides it from another agency', async () => {
    const filed = await fileIncident(t, w.tokens.manager, { classification: { tlp: 'AMBER+STRICT', dataLevel: 'confidential' } });
    const asReporter = await ok(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.reporter)));
    expect(asReporter).toMatchObject({ redacted: true, title: null, description: null, affectedSystems: null, reference: filed.reference });
    const asResponder = await ok(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.responder)));
    expect(asResponder.redacted).toBe(false);
    expect(asResponder.title).toContain('Website defaced');
    expect((await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.othReporter))).status).toBe(404);
    const list = await ok(await t.http().get('/api/incidents').set(auth(w.tokens.othReporter)));
    expect(list.items).toEqual([]);
  });

  it('answers 409 to a stale If-Match, 428 without one, 422 with allowedEvents to an impossible event, 422 to a system event', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    await ok(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }, 1));
    const stale = await send(
      t,
      w.tokens.manager,
      filed.id,
      { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 1, availability: 1 }, category: 'other' },
      1,
    );
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(2);
    const missing = await t.http().post(`/api/incidents/${filed.id}/events`).set(auth(w.tokens.manager)).send({ type: 'ACKNOWLEDGE' });
    expect(missing.status).toBe(428);
    const impossible = await send(t, w.tokens.responder, filed.id, { type: 'RECOVERED', summary: 'x' });
    expect(impossible.status).toBe(422);
    expect(impossible.body.allowedEvents.map((e: any) => e.type)).toEqual(['TRIAGE']);
    const system = await send(t, w.tokens.manager, filed.id, { type: 'DEADLINE_PASSED', kind: 'report', dueAt: new Date().toISOString() });
    expect(system.status).toBe(422);
    const after = await ok(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(after.version).toBe(2);
  });

  it('replays the same Idempotency-Key and body as the same incident; another body is 422', async () => {
    const body = {
      title: 't',
      description: 'd',
      category: 'other',
      awareAt: t.clock.now().toISOString(),
      impact: { confidentiality: 1, integrity: 1, availability: 1 },
      classification: { tlp: 'GREEN', dataLevel: 'general' },
    };
    const first = await t.http().post('/api/incidents').set(auth(w.tokens.reporter)).set('Idempotency-Key', 'key-0001-abcd').send(body);
    const again = await t.http().post('/api/incidents').set(auth(w.tokens.reporter)).set('Idempotency-Key', 'key-0001-abcd').send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await t
      .http()
      .post('/api/incidents')
      .set(auth(w.tokens.reporter))
      .set('Idempotency-Key', 'key-0001-abcd')
      .send({ ...body, title: 'other' });
    expect(other.status).toBe(422);
    const none = await t.http().post('/api/incidents').set(auth(w.tokens.reporter)).send(body);
    expect(none.status).toBe(400);
  });
});
