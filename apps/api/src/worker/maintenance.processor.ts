import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { MAINTENANCE_JOBS, MAINTENANCE_QUEUE, schedulerId, type MaintenanceJobName } from './maintenance.jobs.js';
import { DeadlineService } from '../incidents/deadline.service.js';
import { MaintenanceService } from './maintenance.service.js';
import { OutboxRelay } from '../notifications/outbox-relay.service.js';

/** Runs the maintenance jobs. Failures throw, so BullMQ's retries and failed-job records work. */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly handlers: Record<MaintenanceJobName, () => Promise<unknown>>;

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly deadlines: DeadlineService,
    private readonly outbox: OutboxRelay,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
  ) {
    super();
    this.handlers = {
      'identity.expire-accounts': () => this.maintenance.expireAccounts(),
      'identity.purge-sessions': () => this.maintenance.purgeSessions(),
      'deadlines.reconcile': () => this.deadlines.reconcile(),
      'notifications.reconcile': () => this.outbox.reconcile(),
    };
    const missing = Object.keys(MAINTENANCE_JOBS).filter((name) => !(name in this.handlers));
    if (missing.length) throw new Error(`maintenance jobs without a handler: ${missing.join(', ')}`);
  }

  /** Schedules every job (idempotent: upsert by scheduler id, so N workers make one schedule). */
  async onApplicationBootstrap(): Promise<void> {
    // Re-arm every pending deadline at start: a worker that was down, or a flushed Redis, loses nothing.
    await this.deadlines.reconcile();
    for (const [name, { every }] of Object.entries(MAINTENANCE_JOBS) as Array<[MaintenanceJobName, { every: number }]>) {
      await this.queue.upsertJobScheduler(schedulerId(name), { every }, { name, opts: { removeOnComplete: 100, removeOnFail: 1000 } });
    }
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as MaintenanceJobName];
    if (!handler) throw new Error(`no handler for maintenance job ${job.name}`);
    const result = await handler();
    this.logger.debug(`${job.name} done`);
    return result;
  }
}
