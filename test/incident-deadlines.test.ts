import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { DEADLINE_QUEUE } from '../apps/api/src/incidents/deadline-scheduler.js';
import { DeadlineService } from '../apps/api/src/incidents/deadline.service.js';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, startTestWorker, type TestApp } from './support/test-app.js';
import { startDeadlineModule } from './support/deadline-firing.js';
import { putPolicy } from './support/policy.js';
import { waitFor } from './support/wait.js';
import { deleteQueueKeys } from './support/queue-keys.js';
import { expectStatus as expectOk } from './support/http.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A BullMQ prefix of this file's own (hash-tagged like the default), so no other test file's jobs or workers meet ours. */
function uniquePrefix(name: string): string {
  return `{test-${name}-${process.pid}-${randomUUID().slice(0, 8)}}`;
}

/** The real worker on the test's clock, with this file's prefix. */
function startWorker(t: TestApp, prefix: string): Promise<TestingModule> {
  return startTestWorker(t, { QUEUE_PREFIX: prefix });
}

interface DeadlineRow {
  id: string;
  kind: string;
  step: number | null;
  status: string;
  due_at: Date;
  resolved_at: Date | null;
  late_by_ms: string | null;
  met_at?: Date | null;
}

async function deadlinesOf(t: TestApp, incidentId: string, kind?: string): Promise<DeadlineRow[]> {
  const { rows } = await t.db.query(
    `SELECT id, kind, step, status, due_at, resolved_at, late_by_ms::text FROM deadlines WHERE incident_id = $1 AND ($2::text IS NULL OR kind = $2)
      ORDER BY created_at, step NULLS FIRST`,
    [incidentId, kind ?? null],
  );
  return rows;
}

async function onlyDeadline(t: TestApp, incidentId: string, kind: string): Promise<DeadlineRow> {
  const rows = await deadlinesOf(t, incidentId, kind);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function deadlineById(t: TestApp, id: string): Promise<DeadlineRow> {
  const { rows } = await t.db.query(`SELECT id, kind, step, status, due_at, resolved_at, late_by_ms::text, met_at FROM deadlines WHERE id = $1`, [id]);
  return rows[0];
}

/** incident.deadline_breached audit events of one deadline. */
async function breachAudits(t: TestApp, deadlineId: string): Promise<number> {
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'incident.deadline_breached' AND details->>'deadlineId' = $1`, [
    deadlineId,
  ]);
  return rows[0].n;
}

async function outboxOf(t: TestApp, incidentId: string, template: string): Promise<Array<{ audience: Array<Record<string, string>> }>> {
  const { rows } = await t.db.query(`SELECT audience FROM outbox WHERE aggregate_id = $1 AND template = $2 ORDER BY created_at, id`, [incidentId, template]);
  return rows;
}

describe('durable deadlines fired by DeadlineService', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let deadlinesModule: TestingModule;
  let deadlines: DeadlineService;
  const prefix = uniquePrefix('deadlines');

  beforeAll(async () => {
    t = await createTestApp({ QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
    deadlinesModule = await startDeadlineModule(t, prefix);
    deadlines = deadlinesModule.get(DeadlineService);
  });
  afterAll(async () => {
    await deadlinesModule?.close();
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
  });

  it('fires a breached report deadline exactly once and escalates it to the CISO and the deputy head', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const awareAt = t.clock.now().getTime() - 5 * MINUTE; // the fixture's awareAt
    const report = await onlyDeadline(t, filed.id, 'report');
    expect(report.due_at.getTime()).toBe(awareAt + HOUR);

    const firedAt = t.clock.advance(HOUR); // 1 h 5 min after awareness: 5 minutes late
    expect(await deadlines.fire(report.id)).toBe('fired');
    expect(await deadlines.fire(report.id)).toBe('not-pending');

    expect(await deadlineById(t, report.id)).toMatchObject({ status: 'breached', resolved_at: firedAt, late_by_ms: String(5 * MINUTE) });
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident.version).toBe(filed.version + 1);
    expect(incident.overdue).toBe(true);
    expect(incident.breaches).toEqual([{ kind: 'report', dueAt: report.due_at.toISOString(), at: firedAt.toISOString(), lateByMs: 5 * MINUTE }]);
    expect(incident.deadlines.find((d: any) => d.kind === 'report')).toMatchObject({ status: 'breached', lateByMs: 5 * MINUTE });
    const overdue = expectOk(await t.http().get('/api/incidents?overdue=true').set(auth(w.tokens.manager)));
    expect(overdue.items.map((i: any) => i.id)).toContain(filed.id);
    const notOverdue = expectOk(await t.http().get('/api/incidents?overdue=false').set(auth(w.tokens.manager)));
    expect(notOverdue.items.map((i: any) => i.id)).not.toContain(filed.id);

    const breached = await outboxOf(t, filed.id, 'deadline.breached');
    expect(breached).toHaveLength(1);
    expect(breached[0]!.audience).toEqual(
      expect.arrayContaining([
        { kind: 'role', role: 'ciso' },
        { kind: 'escalationTarget', target: 'deputy_head' },
      ]),
    );
    const audit = await t.db.query(`SELECT actor_id, actor_label, details FROM audit_events WHERE action = 'incident.deadline_breached' AND target_id = $1`, [
      filed.id,
    ]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor_id: null, actor_label: 'system', details: { deadlineId: report.id, kind: 'report', lateByMs: 5 * MINUTE } });
    const timeline = expectOk(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
    expect(timeline.items.filter((e: any) => e.entry === 'deadline_breached')).toHaveLength(1);
  });

  it('keeps a breach when the work comes late, and dates the late work; a clock met in time is dated too', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const report = await onlyDeadline(t, filed.id, 'report');
    t.clock.advance(HOUR);
    expect(await deadlines.fire(report.id)).toBe('fired');
    const triage = { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' };
    const triagedAt = t.clock.now();
    expect((await send(t, w.tokens.manager, filed.id, triage)).status).toBe(200);
    const reportedAt = t.clock.advance(10 * MINUTE);
    expect((await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' })).status).toBe(200);

    // The breach stays as found (status, when and how late); the work's own time is added.
    expect(await deadlineById(t, report.id)).toMatchObject({ status: 'breached', late_by_ms: String(5 * MINUTE), met_at: reportedAt });
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident.deadlines.find((d: any) => d.kind === 'report')).toEqual({
      kind: 'report',
      dueAt: report.due_at.toISOString(),
      status: 'breached',
      lateByMs: 5 * MINUTE,
      metAt: reportedAt.toISOString(),
    });
    // The acknowledgement, met by the triage in time: met, dated. A clock still running has no metAt.
    expect(incident.deadlines.find((d: any) => d.kind === 'acknowledgement' && d.status === 'met')).toMatchObject({ metAt: triagedAt.toISOString() });
    expect(incident.deadlines.find((d: any) => d.kind === 'superior_review')).not.toHaveProperty('metAt');
  });

  it('fires once when many fire() calls race for the same due deadline', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const report = await onlyDeadline(t, filed.id, 'report');
    t.clock.advance(HOUR);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => deadlines.fire(report.id)));
    expect(outcomes.filter((o) => o === 'fired')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'fired')).toEqual(Array.from({ length: 7 }, () => 'not-pending'));
    expect(await breachAudits(t, report.id)).toBe(1);
    expect(await outboxOf(t, filed.id, 'deadline.breached')).toHaveLength(1);
  });

  it('never fires a report deadline met in time', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const report = await onlyDeadline(t, filed.id, 'report');
    expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
    expectOk(
      await send(t, w.tokens.manager, filed.id, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' }),
    );
    t.clock.advance(30 * MINUTE); // 35 minutes after awareness: in time
    const reported = expectOk(await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
    expect(reported.deadlines.find((d: any) => d.kind === 'report').status).toBe('met');

    t.clock.advance(2 * HOUR);
    expect(await deadlines.fire(report.id)).toBe('not-pending');

    expect(await deadlineById(t, report.id)).toMatchObject({ status: 'met', late_by_ms: null });
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident).toMatchObject({ version: reported.version, breaches: [], overdue: false });
    expect(await breachAudits(t, report.id)).toBe(0);
    expect(await outboxOf(t, filed.id, 'deadline.breached')).toHaveLength(0);
  });

  it('does nothing when fire() comes before the deadline is due, and knows no unknown deadline', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const report = await onlyDeadline(t, filed.id, 'report');
    const before = await t.db.query(`SELECT version, updated_at, snapshot FROM incidents WHERE id = $1`, [filed.id]);

    expect(await deadlines.fire(report.id)).toBe('not-due');
    t.clock.set(new Date(report.due_at.getTime() - 1)); // one millisecond early
    expect(await deadlines.fire(report.id)).toBe('not-due');

    expect(await deadlineById(t, report.id)).toMatchObject({ status: 'pending', resolved_at: null, late_by_ms: null });
    const after = await t.db.query(`SELECT version, updated_at, snapshot FROM incidents WHERE id = $1`, [filed.id]);
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(await breachAudits(t, report.id)).toBe(0);
    expect(await outboxOf(t, filed.id, 'deadline.breached')).toHaveLength(0);
    const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
    expect(incident).toMatchObject({ version: filed.version, breaches: [], overdue: false });

    expect(await deadlines.fire(randomUUID())).toBe('missing');
  });

  describe('paging on a short escalation policy', () => {
    const shortPolicy = {
      ...DEFAULT_POLICY,
      acknowledgementTimeout: 'PT1M',
      escalation: {
        steps: [
          { target: 'on_call_manager', timeout: 'PT1M' },
          { target: 'it_unit_head', timeout: 'PT1M' },
          { target: 'ciso', timeout: 'PT1M' },
        ],
        repeat: 2,
      },
    };
    const pagedTargets = async (incidentId: string) =>
      (await outboxOf(t, incidentId, 'incident.paged')).map((row) => {
        expect(row.audience).toHaveLength(1);
        expect(row.audience[0]!.kind).toBe('escalationTarget');
        return row.audience[0]!.target;
      });

    beforeAll(async () => {
      const res = await putPolicy(t, w.tokens.ciso, w.sub, shortPolicy);
      expect(expectOk(res).policy.escalation).toEqual(shortPolicy.escalation);
    });
    afterAll(async () => {
      expectOk(await putPolicy(t, w.tokens.ciso, w.sub, DEFAULT_POLICY));
    });

    it('pages the next escalation step each time an acknowledgement deadline passes unacknowledged', async () => {
      const filedAt = t.clock.now().getTime();
      const filed = await fileIncident(t, w.tokens.reporter);
      expect(await pagedTargets(filed.id)).toEqual(['on_call_manager']);
      const [ack0] = await deadlinesOf(t, filed.id, 'acknowledgement');
      expect(ack0).toMatchObject({ step: 0, status: 'pending', due_at: new Date(filedAt + MINUTE) });

      t.clock.advance(MINUTE);
      expect(await deadlines.fire(ack0!.id)).toBe('fired');
      expect(await pagedTargets(filed.id)).toEqual(['on_call_manager', 'it_unit_head']);
      const afterStep1 = await deadlinesOf(t, filed.id, 'acknowledgement');
      expect(afterStep1.map((d) => [d.step, d.status])).toEqual([
        [0, 'breached'],
        [1, 'pending'],
      ]);
      expect(afterStep1[1]!.due_at.getTime()).toBe(filedAt + 2 * MINUTE);

      t.clock.advance(MINUTE);
      expect(await deadlines.fire(afterStep1[1]!.id)).toBe('fired');
      expect(await pagedTargets(filed.id)).toEqual(['on_call_manager', 'it_unit_head', 'ciso']);
      const afterStep2 = await deadlinesOf(t, filed.id, 'acknowledgement');
      expect(afterStep2.map((d) => [d.step, d.status])).toEqual([
        [0, 'breached'],
        [1, 'breached'],
        [2, 'pending'],
      ]);
      expect(await deadlines.fire(ack0!.id)).toBe('not-pending');

      const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
      expect(incident.paging).toMatchObject({ step: 2, round: 0, acknowledgedBy: null, exhausted: false });
      const timeline = expectOk(await t.http().get(`/api/incidents/${filed.id}/timeline`).set(auth(w.tokens.manager)));
      expect(timeline.items.filter((e: any) => e.entry === 'paged').map((e: any) => e.data.target)).toEqual(['it_unit_head', 'ciso']);
    });

    it('stops paging once someone acknowledges: the pending acknowledgement deadline is met and firing it is a no-op', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      const [ack0] = await deadlinesOf(t, filed.id, 'acknowledgement');
      t.clock.advance(MINUTE);
      expect(await deadlines.fire(ack0!.id)).toBe('fired');
      expect(await pagedTargets(filed.id)).toEqual(['on_call_manager', 'it_unit_head']);
      const ack1 = (await deadlinesOf(t, filed.id, 'acknowledgement'))[1]!;
      expect(ack1).toMatchObject({ step: 1, status: 'pending' });

      const acknowledged = expectOk(await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }));
      expect(acknowledged.paging).toMatchObject({ step: 1, acknowledgedBy: expect.any(String) });
      expect(await deadlineById(t, ack1.id)).toMatchObject({ status: 'met' });

      t.clock.advance(10 * MINUTE);
      expect(await deadlines.fire(ack1.id)).toBe('not-pending');
      expect(await deadlines.fire(ack0!.id)).toBe('not-pending');
      expect(await pagedTargets(filed.id)).toEqual(['on_call_manager', 'it_unit_head']);
      const pending = (await deadlinesOf(t, filed.id, 'acknowledgement')).filter((d) => d.status === 'pending');
      expect(pending).toEqual([]);
      const incident = expectOk(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
      expect(incident.version).toBe(acknowledged.version);
      expect(incident.paging).toMatchObject({ step: 1, acknowledgedBy: acknowledged.paging.acknowledgedBy });
      expect(await breachAudits(t, ack1.id)).toBe(0);
    });
  });
});

describe('durable deadlines through BullMQ and the worker', () => {
  let t: TestApp;
  let w: IncidentWorld;
  const prefix = uniquePrefix('deadline-worker');
  const workers: TestingModule[] = [];

  /** A worker on this file's prefix, closed after the test whatever happens. */
  async function worker(): Promise<TestingModule> {
    const started = await startWorker(t, prefix);
    workers.push(started);
    return started;
  }
  async function stop(ctx: TestingModule): Promise<void> {
    workers.splice(workers.indexOf(ctx), 1);
    await ctx.close();
  }

  async function fileThree() {
    const filed = [];
    for (let i = 0; i < 3; i++) filed.push(await fileIncident(t, w.tokens.reporter, { title: `deadline incident ${i}` }));
    return Promise.all(filed.map(async (f) => ({ incident: f, report: await onlyDeadline(t, f.id, 'report') })));
  }

  async function expectBreachedOnce(reports: DeadlineRow[]) {
    await waitFor(`the worker has breached report deadlines ${reports.map((r) => r.id).join(', ')}`, async () => {
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM deadlines WHERE id = ANY($1) AND status = 'breached'`, [reports.map((r) => r.id)]);
      return rows[0].n === reports.length;
    });
    for (const report of reports) {
      expect(await breachAudits(t, report.id)).toBe(1);
      // Fired at the test clock's time (it does not move while the worker runs): late by exactly that much.
      expect(await deadlineById(t, report.id)).toMatchObject({ late_by_ms: String(t.clock.now().getTime() - report.due_at.getTime()) });
    }
  }

  beforeAll(async () => {
    // The API arms its wake-ups on the same prefix the workers consume.
    t = await createTestApp({ QUEUE_PREFIX: prefix });
    w = await seedIncidentWorld(t);
  });
  afterEach(async () => {
    while (workers.length) await stop(workers[0]!);
  });
  afterAll(async () => {
    await deleteQueueKeys(t.config.redisUrl, prefix);
    await t.close();
  });

  it('fires due deadlines through the queue after reconcile(), each exactly once', async () => {
    const running = await worker();
    const filed = await fileThree();
    t.clock.advance(HOUR + MINUTE);
    expect(await running.get(DeadlineService).reconcile()).toBeGreaterThanOrEqual(filed.length);
    await expectBreachedOnce(filed.map((f) => f.report));
    for (const { incident } of filed) {
      const view = expectOk(await t.http().get(`/api/incidents/${incident.id}`).set(auth(w.tokens.manager)));
      expect(view.breaches.filter((b: any) => b.kind === 'report')).toHaveLength(1);
      expect(await outboxOf(t, incident.id, 'deadline.breached')).toHaveLength(1);
    }
  });

  it('fires every pending deadline after the worker was killed and Redis lost its jobs', async () => {
    const first = await worker();
    const filed = await fileThree();
    await stop(first);
    expect(await deleteQueueKeys(t.config.redisUrl, prefix)).toBeGreaterThan(0);

    t.clock.advance(HOUR + MINUTE);
    // A new worker: its start-up reconcile re-arms from the rows, the only truth.
    await worker();
    await expectBreachedOnce(filed.map((f) => f.report));
  });

  it('does not double-fire with two workers running at once', async () => {
    const [a, b] = [await worker(), await worker()];
    const filed = await fileThree();
    const another = await fileIncident(t, w.tokens.reporter, { title: 'fired from both workers at once' });
    const raced = await onlyDeadline(t, another.id, 'report');
    t.clock.advance(HOUR + MINUTE);
    // The same deadline fired from both processes at once: one wins, under the row lock.
    const outcomes = await Promise.all([a.get(DeadlineService).fire(raced.id), b.get(DeadlineService).fire(raced.id)]);
    expect(outcomes.sort()).toEqual(['fired', 'not-pending']);
    expect(await breachAudits(t, raced.id)).toBe(1);
    // Both workers reconcile the same rows; the wake-ups run on whichever worker takes them, once each.
    await Promise.all([a.get(DeadlineService).reconcile(), b.get(DeadlineService).reconcile()]);
    await expectBreachedOnce(filed.map((f) => f.report));
    expect(await breachAudits(t, raced.id)).toBe(1);
  });

  it('still fires a deadline whose wake-up job failed through all its retries, once the reconciler runs', async () => {
    const running = await worker();
    const service = running.get(DeadlineService);
    const queue = running.get<Queue>(getQueueToken(DEADLINE_QUEUE));
    // The database is unreachable while the wake-up runs: every attempt throws, BullMQ retries with backoff, then gives up.
    const outage = jest.spyOn(service, 'fire').mockRejectedValue(new Error('connect ECONNREFUSED (database unreachable)'));
    let report: DeadlineRow;
    try {
      // Filed late (awareness 2 h ago): the report deadline is already due, so its job runs at once.
      const filed = await fileIncident(t, w.tokens.reporter, { awareAt: new Date(t.clock.now().getTime() - 2 * HOUR).toISOString() });
      report = await onlyDeadline(t, filed.id, 'report');
      await waitFor(
        `the wake-up job of deadline ${report.id} has failed all its attempts`,
        async () => (await (await queue.getJob(report.id))?.getState()) === 'failed',
        40_000,
      );
    } finally {
      outage.mockRestore();
    }
    expect(await deadlineById(t, report.id)).toMatchObject({ status: 'pending' });
    // The database is back; the reconciler (every minute, and at start) must re-arm every pending row.
    await service.reconcile();
    await expectBreachedOnce([report]);
  }, 90_000);
});
