import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an intent's delivery finished (every recipient sent, or dead after the last attempt). An
 * intent queued long ago and not finished has lost its job (Redis flushed, or a job that stalled
 * past BullMQ's limit): the worker's reconciler queues it again. Rows already queued when this
 * runs count as finished (their jobs, if any, still deliver them).
 */
export class OutboxFinished1764633600000 implements MigrationInterface {
  name = 'OutboxFinished1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox ADD COLUMN finished_at timestamptz NULL;
      UPDATE outbox SET finished_at = enqueued_at WHERE enqueued_at IS NOT NULL;
      CREATE INDEX outbox_unfinished_idx ON outbox (enqueued_at) WHERE enqueued_at IS NOT NULL AND finished_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX outbox_unfinished_idx;
      ALTER TABLE outbox DROP COLUMN finished_at;
    `);
  }
}
