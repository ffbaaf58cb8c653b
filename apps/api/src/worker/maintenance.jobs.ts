/**
 * The maintenance queue's jobs: a typed union of names, one handler each. The processor refuses to
 * start when a name has no handler (see MaintenanceProcessor), so this file is the one place to
 * read what the worker does on a schedule.
 */
export const MAINTENANCE_QUEUE = 'maintenance';

export const MAINTENANCE_JOBS = {
  /** Ends the sessions of accounts past their expiry (vendor accounts) and records it once. */
  'identity.expire-accounts': { every: 60_000 },
  /** Re-arms every pending deadline, so a lost wake-up (Redis flushed, job lost) is found within a minute. */
  'deadlines.reconcile': { every: 60_000 },
  /** Queues again every notification intent whose job was lost or ended without finishing it. */
  'notifications.reconcile': { every: 60_000 },
  /** Deletes sessions that ended more than 30 days ago (they are not audit records). */
  'identity.purge-sessions': { every: 3_600_000 },
} as const;

export type MaintenanceJobName = keyof typeof MAINTENANCE_JOBS;

/** Scheduler ids are the job names with ':'-free, non-numeric text (BullMQ's jobId rules). */
export function schedulerId(name: MaintenanceJobName): string {
  return `scheduler.${name}`;
}
