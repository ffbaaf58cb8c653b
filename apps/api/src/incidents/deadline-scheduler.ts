import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Clock } from '../clock/clock.js';

export const DEADLINE_QUEUE = 'deadlines';
export const FIRE_DEADLINE_JOB = 'deadline.fire';

export interface DeadlineToArm {
  id: string;
  dueAt: Date;
}

/**
 * The wake-up side of durable deadlines: one delayed BullMQ job per deadline row, jobId = the
 * row's id, so arming twice is harmless. The payload is the id only; the row is the truth. Losing
 * a job loses nothing: the reconciler re-arms every pending row.
 */
@Injectable()
export class DeadlineScheduler {
  private readonly logger = new Logger(DeadlineScheduler.name);

  constructor(
    @InjectQueue(DEADLINE_QUEUE) private readonly queue: Queue,
    private readonly clock: Clock,
  ) {}

  async arm(deadlines: DeadlineToArm[]): Promise<void> {
    if (!deadlines.length) return;
    const now = this.clock.now().getTime();
    await this.queue.addBulk(
      deadlines.map((d) => ({
        name: FIRE_DEADLINE_JOB,
        data: { deadlineId: d.id },
        opts: {
          jobId: d.id,
          delay: Math.max(0, d.dueAt.getTime() - now),
          removeOnComplete: true,
          removeOnFail: 1000,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
        },
      })),
    );
  }

  /** Arms after commit; a failure here is logged, not thrown: the reconciler will re-arm. */
  async armQuietly(deadlines: DeadlineToArm[]): Promise<void> {
    try {
      await this.arm(deadlines);
    } catch (error) {
      this.logger.warn(`could not arm ${deadlines.length} deadline(s) now; the reconciler will: ${String(error)}`);
    }
  }
}
