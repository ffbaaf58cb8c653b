import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { chainHash, type AuditRecord } from '../apps/api/src/audit/audit-chain.js';
import { AuditService } from '../apps/api/src/audit/audit.service.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Row {
  seq: string;
  id: string;
  action: string;
  outcome: string;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

async function allRows(t: TestApp): Promise<Row[]> {
  const res = await t.db.query('SELECT seq::text AS seq, id, action, outcome, details, prev_hash, hash FROM audit_events ORDER BY audit_events.seq');
  return res.rows as Row[];
}

async function head(t: TestApp): Promise<{ seq: string; hash: string }> {
  const res = await t.db.query('SELECT seq::text AS seq, hash FROM audit_events ORDER BY audit_events.seq DESC LIMIT 1');
  return res.rows[0] as { seq: string; hash: string };
}

/** Inserts a row behind the application's back (as an intruder with database access would). */
async function forge(t: TestApp, record: AuditRecord, prevHash: string, hash: string): Promise<string> {
  const res = await t.db.query(
    `INSERT INTO audit_events (id, occurred_at, actor_id, actor_label, agency_id, action, target_type, target_id, outcome, details, request_id, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq::text AS seq`,
    [
      record.id,
      record.occurredAt,
      record.actorId,
      record.actorLabel,
      record.agencyId,
      record.action,
      record.targetType,
      record.targetId,
      record.outcome,
      JSON.stringify(record.details),
      record.requestId,
      prevHash,
      hash,
    ],
  );
  return res.rows[0].seq as string;
}

function forgedRecord(agencyId: string, details: Record<string, unknown>): AuditRecord {
  return {
    id: randomUUID(),
    occurredAt: new Date('2026-03-02T02:00:00.000Z'),
    actorId: null,
    actorLabel: 'system',
    agencyId,
    action: 'user.update',
    targetType: 'user',
    targetId: randomUUID(),
    outcome: 'success',
    details,
    requestId: null,
  };
}

describe('audit log: append-only, hash-chained, auditor-only', () => {
  let t: TestApp;
  let agencyId: string;
  let adminId: string;
  let adminToken: string;
  let auditorToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'MOJ' });
    adminId = await seedUser(t, { agencyId, email: 'admin@moj.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId, email: 'auditor@moj.gov.tw', roles: ['auditor'] });
    adminToken = await login(t, 'admin@moj.gov.tw');
    auditorToken = await login(t, 'auditor@moj.gov.tw');
  });
  afterAll(() => t.close());

  it('appends an event for a write, in the same transaction as the write', async () => {
    const res = await t.http().post('/api/units').set(auth(adminToken)).send({ agencyId, name: '資訊室', type: 'it' });
    expect(res.status).toBe(201);
    const unitId = res.body.id as string;
    const events = await t.db.query(
      `SELECT actor_id, actor_label, agency_id, outcome, details, occurred_at, xmin::text AS xid FROM audit_events WHERE action = 'unit.create' AND target_type = 'unit' AND target_id = $1`,
      [unitId],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]).toMatchObject({
      actor_id: adminId,
      actor_label: 'admin@moj.gov.tw',
      agency_id: agencyId,
      outcome: 'success',
      details: { name: '資訊室', type: 'it', headUserId: null },
    });
    expect((events.rows[0].occurred_at as Date).toISOString()).toBe(t.clock.now().toISOString());
    // Both rows were written by one and the same transaction.
    const unit = await t.db.query('SELECT xmin::text AS xid FROM units WHERE id = $1', [unitId]);
    expect(unit.rows[0].xid).toBe(events.rows[0].xid);
  });

  it('rolls the write back when its audit event cannot be appended', async () => {
    // A test-only trigger makes the append of this one event fail.
    await t.db.query(`
      CREATE FUNCTION test_refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.details->>'name' = 'Doomed' THEN RAISE EXCEPTION 'test: audit append refused'; END IF;
        RETURN NEW;
      END; $$;
      CREATE TRIGGER test_refuse_doomed BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_doomed();`);
    try {
      const before = (await allRows(t)).length;
      const res = await t.http().post('/api/units').set(auth(adminToken)).send({ agencyId, name: 'Doomed', type: 'other' });
      expect(res.status).toBe(500);
      const units = await t.db.query(`SELECT count(*)::int AS n FROM units WHERE name = 'Doomed'`);
      expect(units.rows[0].n).toBe(0);
      expect((await allRows(t)).length).toBe(before);
    } finally {
      await t.db.query('DROP TRIGGER test_refuse_doomed ON audit_events; DROP FUNCTION test_refuse_doomed();');
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit_events even through raw SQL, leaving the rows unchanged', async () => {
    const before = await allRows(t);
    expect(before.length).toBeGreaterThan(0);
    const attempts = [
      `UPDATE audit_events SET action = 'x'`,
      `UPDATE audit_events SET details = '{}'::jsonb WHERE seq = ${before[0]!.seq}`,
      `DELETE FROM audit_events`,
      `DELETE FROM audit_events WHERE seq = ${before[before.length - 1]!.seq}`,
      `TRUNCATE audit_events`,
    ];
    for (const sql of attempts) {
      await expect(t.db.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/append-only/) });
    }
    expect(await allRows(t)).toEqual(before);
  });

  it('verifies the chain (auditor): ok, every row checked, head = last row', async () => {
    // Enough events that sequence numbers reach two digits (10 sorts before 9 as text).
    for (let i = 0; i < 10; i++) {
      const res = await t
        .http()
        .post('/api/units')
        .set(auth(adminToken))
        .send({ agencyId, name: `單位 ${i}`, type: 'other' });
      expect(res.status).toBe(201);
    }
    const rows = await allRows(t);
    expect(Number(rows[rows.length - 1]!.seq)).toBeGreaterThanOrEqual(10);
    const res = await t.http().get('/api/audit/verify').set(auth(auditorToken));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, checked: rows.length, headHash: rows[rows.length - 1]!.hash, headSeq: rows[rows.length - 1]!.seq });
    // Every stored row links to the one before it.
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash));
  });

  it('lets only auditors read the log or verify it (admin gets 403)', async () => {
    for (const path of ['/api/audit', '/api/audit/verify']) {
      const res = await t.http().get(path).set(auth(adminToken));
      expect(res.status).toBe(403);
      expect(res.body.type).toBe('/problems/forbidden');
    }
    const audited = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND outcome = 'refused' AND actor_id = $1 AND details->>'status' = '403'`,
      [adminId],
    );
    expect(audited.rows[0].n).toBe(2);
  });

  it('filters by action and by outcome', async () => {
    const created = await t.http().get('/api/audit').query({ action: 'unit.create' }).set(auth(auditorToken));
    expect(created.status).toBe(200);
    expect(created.body.items.length).toBeGreaterThanOrEqual(1);
    expect(created.body.items.every((e: { action: string }) => e.action === 'unit.create')).toBe(true);
    const createdSeqs = await t.db.query(`SELECT seq::text AS seq FROM audit_events WHERE action = 'unit.create' ORDER BY audit_events.seq DESC`);
    expect(created.body.items.map((e: { seq: string }) => e.seq)).toEqual(createdSeqs.rows.map((r) => r.seq));
    expect(created.body.items.find((e: { details: { name?: string } }) => e.details.name === '資訊室')).toMatchObject({
      action: 'unit.create',
      outcome: 'success',
      actorId: adminId,
      actorLabel: 'admin@moj.gov.tw',
      agencyId,
      targetType: 'unit',
      details: { name: '資訊室', type: 'it' },
    });

    const refused = await t.http().get('/api/audit').query({ outcome: 'refused' }).set(auth(auditorToken));
    expect(refused.status).toBe(200);
    const expected = await t.db.query(`SELECT seq::text AS seq FROM audit_events WHERE outcome = 'refused' ORDER BY audit_events.seq DESC`);
    expect(refused.body.items.map((e: { seq: string }) => e.seq)).toEqual(expected.rows.map((r) => r.seq));
    expect(refused.body.items.length).toBeGreaterThanOrEqual(2);

    const both = await t.http().get('/api/audit').query({ action: 'http.refused', outcome: 'success' }).set(auth(auditorToken));
    expect(both.status).toBe(200);
    expect(both.body.items).toEqual([]);

    const bad = await t.http().get('/api/audit').query({ outcome: 'maybe' }).set(auth(auditorToken));
    expect(bad.status).toBe(400);
  });

  it('pages newest first with a cursor, through every event, without duplicates', async () => {
    expect(Number((await head(t)).seq)).toBeGreaterThanOrEqual(10);
    const expected = (await t.db.query('SELECT seq::text AS seq FROM audit_events ORDER BY audit_events.seq DESC')).rows.map((r) => r.seq as string);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await t
        .http()
        .get('/api/audit')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(auth(auditorToken));
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((e: { seq: string }) => e.seq));
      cursor = res.body.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
  });

  it('keeps one unbroken chain under 20 concurrent audited writes (and refusals)', async () => {
    const before = (await allRows(t)).length;
    const reporterId = await seedUser(t, { agencyId, email: 'staff@moj.gov.tw', roles: ['reporter'] });
    const reporterToken = await login(t, 'staff@moj.gov.tw');
    const writes = Array.from({ length: 20 }, (_, i) =>
      t
        .http()
        .post('/api/units')
        .set(auth(adminToken))
        .send({ agencyId, name: `併發單位 ${i}`, type: 'business' }),
    );
    const refusals = Array.from({ length: 5 }, () => t.http().get(`/api/agencies/${randomUUID()}`).set(auth(reporterToken)));
    const results = await Promise.all([...writes, ...refusals]);
    expect(results.slice(0, 20).map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(results.slice(20).map((r) => r.status)).toEqual(Array(5).fill(404));

    const rows = await allRows(t);
    expect(rows.filter((r) => r.action === 'unit.create' && String(r.details.name).startsWith('併發單位'))).toHaveLength(20);
    const refused = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'http.refused' AND actor_id = $1`, [reporterId]);
    expect(refused.rows[0].n).toBe(5);
    expect(rows.length).toBe(before + 1 /* login */ + 20 + 5);
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash));
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);

    const verify = await t.http().get('/api/audit/verify').set(auth(auditorToken));
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, checked: rows.length, headHash: rows[rows.length - 1]!.hash });
    // The same answer when the chain is read in small batches (batch boundaries carry the link).
    await expect(t.app.get(AuditService).verify(4)).resolves.toEqual(verify.body);
  });
});

describe('audit log: verify names the first forged row', () => {
  let t: TestApp;
  let agencyId: string;
  let auditorToken: string;

  beforeEach(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'MODA' });
    await seedUser(t, { agencyId, email: 'admin@moda.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId, email: 'auditor@moda.gov.tw', roles: ['auditor'] });
    const adminToken = await login(t, 'admin@moda.gov.tw');
    auditorToken = await login(t, 'auditor@moda.gov.tw');
    const unit = await t.http().post('/api/units').set(auth(adminToken)).send({ agencyId, name: '資訊室', type: 'it' });
    expect(unit.status).toBe(201);
    const verify = await t.http().get('/api/audit/verify').set(auth(auditorToken));
    expect(verify.body).toMatchObject({ ok: true, checked: 3 });
  });
  afterEach(() => t.close());

  const verify = async () => {
    const res = await t.http().get('/api/audit/verify').set(auth(auditorToken));
    expect(res.status).toBe(200);
    return res.body;
  };

  it('catches a row with the right prev_hash and a made-up hash', async () => {
    const last = await head(t);
    const madeUp = 'f'.repeat(64);
    const seq = await forge(t, forgedRecord(agencyId, { note: 'forged' }), last.hash, madeUp);
    const res = await verify();
    expect(res).toMatchObject({ ok: false, checked: 3, headHash: last.hash, headSeq: last.seq, firstBroken: { seq, reason: 'hash-mismatch', found: madeUp } });
    expect(res.firstBroken.expected).not.toBe(madeUp);
  });

  it('catches a row with the right prev_hash whose details were altered after hashing', async () => {
    const last = await head(t);
    const record = forgedRecord(agencyId, { roles: ['reporter'] });
    // A correctly computed row verifies: the check recomputes exactly what the application hashes.
    const genuine = await forge(t, record, last.hash, chainHash(last.hash, record));
    expect(await verify()).toMatchObject({ ok: true, checked: 4, headSeq: genuine });
    const next = forgedRecord(agencyId, { roles: ['reporter'] });
    const hashOfOriginal = chainHash(chainHash(last.hash, record), next);
    const seq = await forge(t, { ...next, details: { roles: ['admin'] } }, chainHash(last.hash, record), hashOfOriginal);
    const res = await verify();
    expect(res).toMatchObject({ ok: false, checked: 4, headSeq: genuine, firstBroken: { seq, reason: 'hash-mismatch', found: hashOfOriginal } });
  });

  it('catches a row whose prev_hash does not link to the head', async () => {
    const record = forgedRecord(agencyId, {});
    const wrongPrev = 'a'.repeat(64);
    const seq = await forge(t, record, wrongPrev, chainHash(wrongPrev, record));
    expect(await verify()).toMatchObject({ ok: false, checked: 3, firstBroken: { seq, reason: 'prev-hash-mismatch', found: wrongPrev } });
  });

  it('keeps pointing at the forged row after later genuine appends', async () => {
    const last = await head(t);
    const seq = await forge(t, forgedRecord(agencyId, {}), last.hash, 'e'.repeat(64));
    const adminToken = await login(t, 'admin@moda.gov.tw');
    const unit = await t.http().post('/api/units').set(auth(adminToken)).send({ agencyId, name: '政風室', type: 'ethics' });
    expect(unit.status).toBe(201);
    expect(await verify()).toMatchObject({ ok: false, checked: 3, firstBroken: { seq } });
  });
});
