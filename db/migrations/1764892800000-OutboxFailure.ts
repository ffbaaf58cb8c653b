import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why an intent failed as a whole, beside its deliveries: `no_recipients` when its audience
 * resolved to nobody (e.g. a review request to a superior agency without a CISO or on-call
 * manager). Such an intent ends finished and failed (the reconciler leaves it alone) and, unless it
 * is itself an alert, alerts the admins of the sending and the receiving agency.
 */
export class OutboxFailure1764892800000 implements MigrationInterface {
  name = 'OutboxFailure1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox ADD COLUMN failure_reason text NULL CONSTRAINT outbox_failure_reason_check CHECK (failure_reason IN ('no_recipients'));
      CREATE INDEX outbox_failed_idx ON outbox (failure_reason) WHERE failure_reason IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX outbox_failed_idx;
      ALTER TABLE outbox DROP COLUMN failure_reason;
    `);
  }
}
