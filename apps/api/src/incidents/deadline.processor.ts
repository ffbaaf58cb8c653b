import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { DEADLINE_QUEUE, FIRE_DEADLINE_JOB } from './deadline-scheduler.js';
import { DeadlineService } from './deadline.service.js';

/** Wakes up for a deadline: fires it if due (the row decides), or sleeps again until it is. */
@Processor(DEADLINE_QUEUE)
export class DeadlineProcessor extends WorkerHost {
  constructor(private readonly deadlines: DeadlineService) {
    super();
  }

  async process(job: Job<{ deadlineId: string }>, token?: string): Promise<string> {
    if (job.name !== FIRE_DEADLINE_JOB) throw new Error(`no handler for ${job.name} on ${DEADLINE_QUEUE}`);
    const outcome = await this.deadlines.fire(job.data.deadlineId);
    if (outcome === 'not-due' && token) {
      // Woken early (clock skew between processes): wait again without a second job.
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    }
    return outcome;
  }
}
