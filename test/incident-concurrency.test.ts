import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, incidentBody, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as expectOk } from './support/http.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

type Res = { status: number; body: any; headers: Record<string, string> };

/** The three impact profiles used below: level 1, 2 (as filed) and 3. */
const IMPACT = {
  1: { confidentiality: 1, integrity: 1, availability: 1 },
  2: { confidentiality: 1, integrity: 2, availability: 2 },
  3: { confidentiality: 3, integrity: 1, availability: 1 },
} as const;

describe('concurrent events on one incident', () => {
  let t: TestApp;
  let w: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  const post = (token: string, id: string, version: number, event: Record<string, unknown>) =>
    t.http().post(`/api/incidents/${id}/events`).set(auth(token)).set('If-Match', String(version)).send(event) as unknown as Promise<Res>;

  it('lets exactly one of 20 events sent with the same If-Match win; every other one is 409 with the current version', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    expect(filed.version).toBe(1);
    // Allowed senders of each event (EVENT_ROLES): ACKNOWLEDGE and TRIAGE by manager, responder, CISO; RECLASSIFY by manager and CISO.
    const senders = [w.tokens.manager, w.tokens.responder, w.tokens.ciso];
    const requests = Array.from({ length: 20 }, (_, i) => {
      switch (i % 3) {
        case 0:
          return { token: senders[i % senders.length]!, event: { type: 'ACKNOWLEDGE' } };
        case 1:
          return { token: senders[(i + 1) % senders.length]!, event: { type: 'TRIAGE', impact: IMPACT[2], category: 'web_attack', subcategory: 'defacement' } };
        default:
          return {
            token: i % 2 ? w.tokens.manager : w.tokens.ciso,
            event: { type: 'RECLASSIFY', impact: i % 4 ? IMPACT[3] : IMPACT[1], reason: `concurrent reclassification ${i}` },
          };
      }
    });
    const responses = await Promise.all(requests.map((r) => post(r.token, filed.id, filed.version, r.event)));

    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status !== 200);
    expect({ winners: winners.length, statuses: [...new Set(losers.map((r) => r.status))] }).toEqual({ winners: 1, statuses: [409] });
    const winner = winners[0]!;
    expect(winner.body.version).toBe(filed.version + 1);
    expect(winner.headers.etag).toBe(`"${filed.version + 1}"`);
    for (const loser of losers) {
      expect(loser.headers['content-type']).toContain('application/problem+json');
      expect(loser.body).toMatchObject({ type: '/problems/conflict', status: 409, currentVersion: filed.version + 1 });
    }

    // The stored snapshot restores: reading, allowed events and the timeline work and agree with the winner.
    const current = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(current).toMatchObject({ version: filed.version + 1, state: winner.body.state, level: winner.body.level, regions: winner.body.regions });
    const transitions = expectOk(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.manager)));
    expect(transitions.allowedEvents.length).toBeGreaterThan(0);
    const timeline = expectOk(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    expect(timeline.items).toHaveLength(2);
    expect(timeline.items[0].entry).toBe('filed');

    const audit = await t.db.query(`SELECT details FROM audit_events WHERE target_id = $1 AND action = 'incident.event'`, [filed.id]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].details.version).toBe(filed.version + 1);
    const pending = await t.db.query(`SELECT kind, count(*)::int AS n FROM deadlines WHERE incident_id = $1 AND status = 'pending' GROUP BY kind`, [filed.id]);
    for (const row of pending.rows) expect(row.n).toBe(1);

    // The incident still takes the next event at its new version (an impact none of the racers sent, so there is something to change).
    const next = await post(w.tokens.manager, filed.id, current.version, {
      type: 'RECLASSIFY',
      impact: { confidentiality: 2, integrity: 2, availability: 2 },
      reason: 'after the race',
    });
    expect(next.status).toBe(200);
    expect(next.body.version).toBe(filed.version + 2);
  });

  it('applies all 14 concurrent events when each client re-reads and retries on 409, and the result is consistent', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const MAX_ATTEMPTS = 60;
    const attempts: number[] = [];

    /** A well-behaved client: read the version, send, and on 409 read again and resend (bounded). */
    async function sendWithRetry(token: string, event: Record<string, unknown>): Promise<Res> {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const current = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(token)));
        const res = await post(token, filed.id, current.version, event);
        if (res.status !== 409) {
          attempts.push(attempt);
          return res;
        }
        expect(res.body.type).toBe('/problems/conflict');
        expect(res.body.currentVersion).toBeGreaterThan(current.version);
      }
      throw new Error(`still 409 after ${MAX_ATTEMPTS} attempts`);
    }

    // Every client wants another impact (an identical one would be refused: nothing to change), alternating
    // level 2 and level 3 so that the race crosses the major boundary (recovery 72 h / 36 h). Level 2 has
    // seven impacts other than all-ones, so 14 clients.
    const LEVEL_2 = [
      [2, 1, 1],
      [1, 2, 1],
      [1, 1, 2],
      [2, 2, 1],
      [2, 1, 2],
      [1, 2, 2],
      [2, 2, 2],
    ];
    const LEVEL_3 = [
      [3, 1, 1],
      [1, 3, 1],
      [1, 1, 3],
      [3, 2, 1],
      [3, 1, 2],
      [2, 3, 1],
      [1, 3, 2],
    ];
    const levels = Array.from({ length: 14 }, (_, i) => (i % 2 ? 2 : 3) as 2 | 3);
    const impacts = levels.map((level, i) => {
      const [confidentiality, integrity, availability] = (level === 2 ? LEVEL_2 : LEVEL_3)[Math.floor(i / 2)]!;
      return { confidentiality, integrity, availability };
    });
    expect(new Set(impacts.map((x) => JSON.stringify(x))).size).toBe(14);
    const responses = await Promise.all(
      levels.map((level, i) =>
        sendWithRetry(i % 2 ? w.tokens.manager : w.tokens.ciso, {
          type: 'RECLASSIFY',
          impact: impacts[i],
          reason: `retrying client ${i} wants level ${level}`,
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(levels.map(() => 200));
    expect(attempts.some((n) => n > 1)).toBe(true); // the clients really did collide
    // Every success saw its own version: 2 … 21, each once.
    expect(responses.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i + 2));

    const current = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(current.version).toBe(1 + 14);
    const timeline = expectOk(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    const entries = timeline.items.map((e: any) => e.entry);
    // The first reclassification, from someone who may acknowledge, was also the acknowledgement.
    expect(entries).toEqual(['filed', 'acknowledged', ...levels.map(() => 'reclassified')]);
    // The timeline is one chain of level changes ending at the incident's level.
    let level = filed.level;
    for (const item of timeline.items.slice(2)) {
      expect(item.data.from).toBe(level);
      level = item.data.to;
    }
    expect(current.level).toBe(level);
    // The response with the highest version is the last write, and it is what is stored.
    const last = responses.reduce((a, b) => (a.body.version > b.body.version ? a : b));
    expect(last.body.level).toBe(current.level);

    const audit = await t.db.query(
      `SELECT (details->>'version')::int AS version FROM audit_events WHERE target_id = $1 AND action = 'incident.event' ORDER BY audit_events.seq`,
      [filed.id],
    );
    expect(audit.rows.map((r) => r.version)).toEqual(Array.from({ length: 14 }, (_, i) => i + 2));

    // Deadlines follow the final level: one pending row per kind, matching the snapshot's clocks.
    const rows = await t.db.query(`SELECT kind, due_at FROM deadlines WHERE incident_id = $1 AND status = 'pending' ORDER BY kind`, [filed.id]);
    expect(rows.rows.map((r) => r.kind)).toEqual(['recovery', 'report', 'report_due_soon']);
    const stored = await t.db.query(`SELECT snapshot, level FROM incidents WHERE id = $1`, [filed.id]);
    const clocks = stored.rows[0].snapshot.context.clocks as Record<string, { dueAt: string; status: string }>;
    for (const row of rows.rows) {
      expect(clocks[row.kind]).toMatchObject({ status: 'pending' });
      expect(new Date(clocks[row.kind]!.dueAt).getTime()).toBe(row.due_at.getTime());
    }
    const awareAt = new Date(current.awareAt).getTime();
    const recovery = rows.rows.find((r) => r.kind === 'recovery')!;
    expect(recovery.due_at.getTime() - awareAt).toBe((current.level >= 3 ? 36 : 72) * 3_600_000);
    expect(current.deadlines.filter((d: any) => d.status === 'pending').map((d: any) => d.kind)).toEqual(expect.arrayContaining(['recovery', 'report']));
    expect(current.deadlines.find((d: any) => d.kind === 'acknowledgement').status).toBe('met');
    const transitions = expectOk(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.manager)));
    expect(transitions.allowedEvents.map((e: any) => e.type)).toContain('RECLASSIFY');
  });
});

describe('concurrent filing in one agency', () => {
  let t: TestApp;
  let w: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  const file = (token: string, key: string, body: Record<string, unknown>) =>
    t.http().post('/api/incidents').set(auth(token)).set('Idempotency-Key', key).send(body) as unknown as Promise<Res>;

  it('numbers 50 concurrent filings SUB-2026-0001 … 0050 without gaps; refused filings in between take no number', async () => {
    const filers = [w.tokens.reporter, w.tokens.manager, w.tokens.responder, w.tokens.ethics, w.tokens.ciso];
    const valid = Array.from({ length: 50 }, (_, i) => ({
      kind: 'valid' as const,
      token: filers[i % filers.length]!,
      key: randomUUID(),
      body: incidentBody(t, { title: `concurrent filing ${i}` }),
    }));
    // Refused filings interleaved with the valid ones: a DTO failure, a service-level check (awareAt in the future).
    const invalid = [
      { kind: 'invalid' as const, token: w.tokens.reporter, key: randomUUID(), body: incidentBody(t, { title: '' }) },
      { kind: 'invalid' as const, token: w.tokens.manager, key: randomUUID(), body: incidentBody(t, { category: 'no_such_category' }) },
      {
        kind: 'invalid' as const,
        token: w.tokens.ciso,
        key: randomUUID(),
        body: incidentBody(t, { awareAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() }),
      },
    ];
    const all = [...valid.slice(0, 15), invalid[0]!, ...valid.slice(15, 30), invalid[1]!, ...valid.slice(30, 40), invalid[2]!, ...valid.slice(40)];
    const responses = await Promise.all(all.map((r) => file(r.token, r.key, r.body)));

    const refused = responses.filter((_, i) => all[i]!.kind === 'invalid');
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400]);
    const created = responses.filter((_, i) => all[i]!.kind === 'valid');
    expect(created.map((r) => r.status)).toEqual(valid.map(() => 201));
    const references = created.map((r) => r.body.reference as string).sort();
    expect(references).toEqual(Array.from({ length: 50 }, (_, i) => `SUB-2026-${String(i + 1).padStart(4, '0')}`));
    expect(new Set(created.map((r) => r.body.id)).size).toBe(50);

    const counter = await t.db.query(`SELECT last FROM incident_counters WHERE agency_id = $1 AND year = 2026`, [w.sub]);
    expect(counter.rows).toEqual([{ last: 50 }]);
    const stored = await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT reference)::int AS refs FROM incidents WHERE agency_id = $1`, [w.sub]);
    expect(stored.rows[0]).toEqual({ n: 50, refs: 50 });
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'incident.file' AND agency_id = $1`, [w.sub]);
    expect(audit.rows[0].n).toBe(50);

    // A filing refused inside the transaction (a reused key with another body) takes no number either.
    const reused = await file(valid[0]!.token, valid[0]!.key, incidentBody(t, { title: 'another body' }));
    expect(reused.status).toBe(422);
    const next = await file(w.tokens.reporter, randomUUID(), incidentBody(t, { title: 'after the race' }));
    expect(expectOk(next, 201).reference).toBe('SUB-2026-0051');
  });

  it('answers 10 concurrent filings with the same Idempotency-Key and body with one incident', async () => {
    const key = randomUUID();
    const body = incidentBody(t, { title: 'filed ten times at once' });
    const responses = await Promise.all(Array.from({ length: 10 }, () => file(w.tokens.manager, key, body)));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(new Set(responses.map((r) => r.body.reference))).toEqual(new Set(['SUB-2026-0052']));
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);

    const [id] = [...ids];
    const incidents = await t.db.query(`SELECT count(*)::int AS n FROM incidents WHERE title = $1`, [body.title]);
    expect(incidents.rows[0].n).toBe(1);
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'incident.file' AND target_id = $1`, [id]);
    expect(audit.rows[0].n).toBe(1);
    const deadlines = await t.db.query(`SELECT count(*)::int AS n FROM deadlines WHERE incident_id = $1`, [id]);
    expect(deadlines.rows[0].n).toBe(4);
    const counter = await t.db.query(`SELECT last FROM incident_counters WHERE agency_id = $1 AND year = 2026`, [w.sub]);
    expect(counter.rows).toEqual([{ last: 52 }]);
  });
});
