import { randomUUID } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { Test, type TestingModule } from '@nestjs/testing';
import { databaseModule, queueRootModule } from '../../apps/api/src/app.module.js';
import { AuditService } from '../../apps/api/src/audit/audit.service.js';
import { Clock } from '../../apps/api/src/clock/clock.js';
import { ClockModule } from '../../apps/api/src/clock/clock.module.js';
import { loadConfig } from '../../apps/api/src/config/app-config.js';
import { ConfigModule } from '../../apps/api/src/config/config.module.js';
import { DEADLINE_PROVIDERS } from '../../apps/api/src/deadlines/deadline.providers.js';
import { DEADLINE_QUEUE } from '../../apps/api/src/incidents/deadline-scheduler.js';
import { DeadlineService, type FireOutcome } from '../../apps/api/src/incidents/deadline.service.js';
import { IncidentStore } from '../../apps/api/src/incidents/incident-store.js';
import type { TestApp } from './test-app.js';

export interface DeadlineFiring {
  /** Fires every pending deadline that is due at the clock's time, in due order, until none is left. */
  fireDue(): Promise<Array<{ id: string; kind: string; subjectType: string; subjectId: string; outcome: FireOutcome }>>;
  service: DeadlineService;
  close(): Promise<void>;
}

/**
 * The worker's DeadlineService without queue consumers, on the test's clock and a queue prefix of
 * its own: the test moves the clock and fires what is due, as the worker would on wake-up.
 */
/** DeadlineService (and every subject's handler) without any queue consumer, on the test's clock and the given queue prefix. */
export async function startDeadlineModule(t: TestApp, prefix = `{test-firing-${process.pid}-${randomUUID().slice(0, 8)}}`): Promise<TestingModule> {
  const config = loadConfig({
    DATABASE_URL: t.config.databaseUrl,
    REDIS_URL: t.config.redisUrl,
    SMTP_URL: t.config.smtpUrl,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: prefix,
    DATABASE_POOL_SIZE: '3',
  });
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), ClockModule, databaseModule(), queueRootModule(config), BullModule.registerQueue({ name: DEADLINE_QUEUE })],
    providers: [AuditService, IncidentStore, ...DEADLINE_PROVIDERS],
  })
    .overrideProvider(Clock)
    .useValue(t.clock)
    .compile();
  await moduleRef.init();
  return moduleRef;
}

export async function startDeadlineFiring(t: TestApp): Promise<DeadlineFiring> {
  const moduleRef = await startDeadlineModule(t);
  const service = moduleRef.get(DeadlineService);
  return {
    service,
    async fireDue() {
      const fired: Array<{ id: string; kind: string; subjectType: string; subjectId: string; outcome: FireOutcome }> = [];
      for (let round = 0; round < 50; round++) {
        const { rows } = await t.db.query<{ id: string; kind: string; subject_type: string; subject_id: string }>(
          `SELECT id, kind, subject_type, subject_id FROM deadlines WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id`,
          [t.clock.now()],
        );
        if (!rows.length) return fired;
        for (const r of rows) fired.push({ id: r.id, kind: r.kind, subjectType: r.subject_type, subjectId: r.subject_id, outcome: await service.fire(r.id) });
      }
      throw new Error('deadlines kept coming due: a loop?');
    },
    close: () => moduleRef.close(),
  };
}
