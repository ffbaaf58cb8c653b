import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as ok } from './support/http.js';
import { waitFor as until } from './support/wait.js';
import { CHAIN_LOCK_KEY } from '../apps/api/src/audit/audit-chain.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const HASH = 'e'.repeat(64);
const COLLECTOR = 'responder@sub.gov.tw';

/** An impossible chain of custody is refused with a 422 naming the field and the rule, and nothing is recorded. */
describe('evidence: the chain of custody must be one that could have happened', () => {
  let t: TestApp;
  let w: IncidentWorld;
  /** An instant relative to the test clock, with the +08:00 offset an agency in Taipei would send. */
  const at = (offsetMs: number) => {
    const local = new Date(t.clock.now().getTime() + offsetMs + 8 * 3_600_000).toISOString().slice(0, 19);
    return `${local}+08:00`;
  };
  const MIN = 60_000;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  const collect = (incidentId: string, collectedAt: string) =>
    t
      .http()
      .post(`/api/incidents/${incidentId}/evidence`)
      .set(auth(w.tokens.responder))
      .send({ description: 'firewall logs', source: 'fw01', collectedBy: COLLECTOR, collectedAt, sha256: HASH, storage: 'locker D-4' });
  const transfer = (incidentId: string, evidenceId: string, body: { from: string; to: string; at: string; sha256?: string }) =>
    t
      .http()
      .post(`/api/incidents/${incidentId}/evidence/${evidenceId}/transfers`)
      .set(auth(w.tokens.ethics))
      .send({ purpose: 'forensic analysis', sha256: HASH, ...body });
  const chain = async (incidentId: string) => ok(await t.http().get(`/api/incidents/${incidentId}/evidence`).set(auth(w.tokens.ethics))).items;
  const timeline = async (incidentId: string) => (await t.db.query('SELECT entry FROM incident_timeline WHERE incident_id = $1', [incidentId])).rows;
  const refusedWith = (res: { status: number; body: any; headers: Record<string, string> }, field: string, rule: string) => {
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
  };

  it('refuses an item collected in 2031, or beyond the allowed clock skew, and records nothing', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const entries = (await timeline(filed.id)).length;
    refusedWith(await collect(filed.id, '2031-01-01T09:00:00+08:00'), 'collectedAt', 'notFuture');
    refusedWith(await collect(filed.id, at(6 * MIN)), 'collectedAt', 'notFuture');
    expect(await chain(filed.id)).toEqual([]);
    expect(await timeline(filed.id)).toHaveLength(entries);
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'evidence.collect' AND details->>'incidentId' = $1`, [filed.id]);
    expect(audit.rows[0].n).toBe(0);
    // Within the skew is not the future.
    await ok(await collect(filed.id, at(4 * MIN)), 201);
  });

  it('refuses an item collected before the incident began: before occurredAt, or awareAt when occurrence is unknown', async () => {
    // awareAt is five minutes before now; no occurredAt.
    const unknown = await fileIncident(t, w.tokens.reporter);
    const refused = await collect(unknown.id, at(-6 * MIN));
    refusedWith(refused, 'collectedAt', 'notBeforeIncident');
    expect(refused.body.errors[0].message).toContain('awareAt');
    await ok(await collect(unknown.id, at(-5 * MIN)), 201);

    // Known to have begun an hour before awareness: collection during that hour is possible.
    const known = await fileIncident(t, w.tokens.reporter, { occurredAt: new Date(t.clock.now().getTime() - 65 * MIN).toISOString() });
    refusedWith(await collect(known.id, at(-66 * MIN)), 'collectedAt', 'notBeforeIncident');
    await ok(await collect(known.id, at(-30 * MIN)), 201);
    expect(await chain(known.id)).toHaveLength(1);
  });

  it('refuses a transfer before the collection, before the previous transfer, in the future, or not from the current custodian', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const item = await ok(await collect(filed.id, at(-4 * MIN)), 201);
    const entries = (await timeline(filed.id)).length;

    refusedWith(await transfer(filed.id, item.id, { from: COLLECTOR, to: 'CISO office', at: at(-5 * MIN) }), 'at', 'notBeforeCollection');
    refusedWith(await transfer(filed.id, item.id, { from: COLLECTOR, to: 'CISO office', at: '2031-01-01T09:00:00+08:00' }), 'at', 'notFuture');
    const stranger = await transfer(filed.id, item.id, { from: 'someone else', to: 'CISO office', at: at(-3 * MIN) });
    refusedWith(stranger, 'from', 'currentCustodian');
    expect(stranger.body.errors[0].message).toContain(COLLECTOR);
    expect((await chain(filed.id))[0].transfers).toEqual([]);
    expect(await timeline(filed.id)).toHaveLength(entries);

    // The collector hands it over; from then on the recipient holds it.
    expect((await ok(await transfer(filed.id, item.id, { from: COLLECTOR, to: 'CISO office', at: at(-2 * MIN) }), 201)).outcome).toBe('accepted');
    refusedWith(await transfer(filed.id, item.id, { from: COLLECTOR, to: 'MJIB', at: at(-1 * MIN) }), 'from', 'currentCustodian');
    refusedWith(await transfer(filed.id, item.id, { from: 'CISO office', to: 'MJIB', at: at(-3 * MIN) }), 'at', 'notBeforePreviousTransfer');
    expect((await ok(await transfer(filed.id, item.id, { from: ' CISO office ', to: 'MJIB', at: at(-1 * MIN) }), 201)).outcome).toBe('accepted');

    // A transfer refused for its hash is recorded but moves nothing: MJIB still holds the item.
    const mismatch = await transfer(filed.id, item.id, { from: 'MJIB', to: 'lab', at: at(0), sha256: 'f'.repeat(64) });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.transfer.outcome).toBe('refused_hash_mismatch');
    refusedWith(await transfer(filed.id, item.id, { from: 'lab', to: 'CISO office', at: at(1 * MIN) }), 'from', 'currentCustodian');
    // ...and it is part of the chain's order: nothing may be dated before it.
    refusedWith(await transfer(filed.id, item.id, { from: 'MJIB', to: 'lab', at: at(-1 * MIN) }), 'at', 'notBeforePreviousTransfer');
    await ok(await transfer(filed.id, item.id, { from: 'MJIB', to: 'lab', at: at(1 * MIN) }), 201);

    const custody = (await chain(filed.id))[0].transfers;
    expect(custody.map((x: any) => [x.from, x.to, x.outcome])).toEqual([
      [COLLECTOR, 'CISO office', 'accepted'],
      [' CISO office ', 'MJIB', 'accepted'],
      ['MJIB', 'lab', 'refused_hash_mismatch'],
      ['MJIB', 'lab', 'accepted'],
    ]);
  });

  it('lets only one of several simultaneous transfers from the same custodian through', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const item = await ok(await collect(filed.id, at(-4 * MIN)), 201);
    // Hold the audit chain's lock, which every transfer takes last: all four are in flight at once,
    // each past its custodian check unless that check waits for the transfers before it.
    const holder = await t.db.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [CHAIN_LOCK_KEY]);
    let pending: Promise<Array<{ status: number; body: any; headers: Record<string, string> }>>;
    try {
      pending = Promise.all(['lab A', 'lab B', 'lab C', 'lab D'].map((to) => transfer(filed.id, item.id, { from: COLLECTOR, to, at: at(-1 * MIN) })));
      await until('four transfers waiting on a lock', async () => {
        const r = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return r.rows[0].n === 4;
      });
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [CHAIN_LOCK_KEY]);
      holder.release();
    }
    const results = await pending;
    expect(results.map((r) => r.status).sort()).toEqual([201, 422, 422, 422]);
    for (const r of results.filter((x) => x.status === 422)) refusedWith(r, 'from', 'currentCustodian');
    expect((await chain(filed.id))[0].transfers).toHaveLength(1);
  });
});
