import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DeliveryService } from './delivery.service.js';
import { DELIVER_JOB, NOTIFY_QUEUE } from './notification.jobs.js';

/** Delivers outbox intents. A failed send throws, so BullMQ's backoff and retries run. */
@Processor(NOTIFY_QUEUE, { concurrency: 8 })
export class NotificationProcessor extends WorkerHost {
  constructor(private readonly deliveries: DeliveryService) {
    super();
  }

  async process(job: Job<{ outboxId: string }>): Promise<string> {
    if (job.name !== DELIVER_JOB) throw new Error(`no handler for ${job.name} on ${NOTIFY_QUEUE}`);
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.deliveries.deliver(job.data.outboxId, finalAttempt);
    if (outcome.status === 'retry') throw new Error(`${outcome.failed} delivery(ies) failed; retrying`);
    return outcome.status;
  }
}
