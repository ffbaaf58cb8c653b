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

  /**
   * Makes sure each deadline has exactly one live wake-up at its due time. A job id dedupes only
   * while the job exists, so an existing job is brought in line rather than added again: a delayed
   * one gets the current delay (the clock may have moved, or the due time changed), a failed or
   * completed one (its retries ran out, e.g. during a database outage) is replaced. A waiting or
   * active one is left alone.
   */
  async arm(deadlines: DeadlineToArm[]): Promise<void> {
    const now = this.clock.now().getTime();
    const toAdd: DeadlineToArm[] = [];
    for (const d of deadlines) {
      const delay = Math.max(0, d.dueAt.getTime() - now);
      const job = await this.queue.getJob(d.id);
      if (!job) {
        toAdd.push(d);
        continue;
      }
      const state = await job.getState();
      if (state === 'delayed') {
        if (delay === 0) await job.promote().catch(() => undefined);
        else await job.changeDelay(delay).catch(() => undefined);
      } else if (state === 'failed' || state === 'completed' || state === 'unknown') {
        await job.remove().catch(() => undefined);
        toAdd.push(d);
      }
    }
    if (!toAdd.length) return;
    await this.queue.addBulk(
      toAdd.map((d) => ({
        name: FIRE_DEADLINE_JOB,
        data: { deadlineId: d.id },
        opts: {
          jobId: d.id,
          delay: Math.max(0, d.dueAt.getTime() - now),
          removeOnComplete: true,
          removeOnFail: 1000,
          attempts: 5,
          backoff: { type: 'exponential' as const, delay: 1000, jitter: 0.5 },
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
