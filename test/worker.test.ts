import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { ManualClock } from '../apps/api/src/clock/clock.js';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE, schedulerId } from '../apps/api/src/worker/maintenance.jobs.js';
import { MaintenanceService } from '../apps/api/src/worker/maintenance.service.js';
import { createTestApp, login, seedAgency, seedUser, startTestWorker, type TestApp } from './support/test-app.js';

describe('worker: maintenance jobs on a real Redis', () => {
  let t: TestApp;
  let worker: Awaited<ReturnType<ReturnType<typeof Test.createTestingModule>['compile']>>;
  let clock: ManualClock;

  beforeAll(async () => {
    t = await createTestApp();
    clock = t.clock;
    const prefix = `{test-${process.pid}-${Date.now()}}`;
    worker = await startTestWorker(t, { QUEUE_PREFIX: prefix });
  });
  afterAll(async () => {
    await worker.close();
    await t.close();
  });

  it('schedules every maintenance job once, however often it starts', async () => {
    const queue = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    await worker.init();
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(
      Object.keys(MAINTENANCE_JOBS)
        .map((name) => schedulerId(name as keyof typeof MAINTENANCE_JOBS))
        .sort(),
    );
  });

  it('ends the live sessions of an expired vendor account and audits it once', async () => {
    const agencyId = await seedAgency(t.db, { code: 'VND' });
    const expiresAt = new Date(clock.now().getTime() + 3_600_000);
    const userId = await seedUser(t, { agencyId, email: 'ops@vendor.com.tw', roles: ['vendor'], expiresAt });
    await login(t, 'ops@vendor.com.tw');
    const maintenance = worker.get(MaintenanceService);
    expect(await maintenance.expireAccounts()).toEqual([]);
    clock.set(expiresAt);
    expect(await maintenance.expireAccounts()).toEqual([userId]);
    expect(await maintenance.expireAccounts()).toEqual([]);
    const sessions = await t.db.query(`SELECT revoked_reason FROM sessions WHERE user_id = $1`, [userId]);
    expect(sessions.rows).toEqual([{ revoked_reason: 'account-expired' }]);
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'user.expired' AND target_id = $1`, [userId]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('purges sessions that ended more than 30 days ago', async () => {
    const agencyId = await seedAgency(t.db, { code: 'PRG' });
    await seedUser(t, { agencyId, email: 'purge@prg.gov.tw', roles: ['reporter'] });
    const token = await login(t, 'purge@prg.gov.tw');
    await t.http().post('/api/auth/logout').set('Authorization', `Bearer ${token}`);
    const maintenance = worker.get(MaintenanceService);
    expect(await maintenance.purgeSessions()).toBe(0);
    clock.advance(31 * 86_400_000);
    expect(await maintenance.purgeSessions()).toBeGreaterThanOrEqual(1);
  });
});
