export const NOTIFY_QUEUE = 'notifications';
export const DELIVER_JOB = 'notification.deliver';

/** Delivery retries: exponential backoff with jitter; after the last attempt a delivery is dead. */
export function deliveryJobOptions(outboxId: string, backoffMs: number, attempts: number) {
  return {
    jobId: outboxId,
    attempts,
    backoff: { type: 'exponential' as const, delay: backoffMs, jitter: 0.5 },
    removeOnComplete: true,
    removeOnFail: 5000,
  };
}
