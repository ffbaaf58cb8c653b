import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the work a deadline asked for was done (`met_at`). A met deadline was done in time; a
 * breached one keeps its breach (status, resolved_at and late_by_ms at the breach) and gains
 * `met_at` when the work is done late, so the record tells "missed, done 1 h 1 min late" apart
 * from "missed, still not done". Rows from before: met ones take their resolved_at.
 */
export class DeadlineMetAt1765200000000 implements MigrationInterface {
  name = 'DeadlineMetAt1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deadlines ADD COLUMN met_at timestamptz`);
    await q.query(`UPDATE deadlines SET met_at = resolved_at WHERE status = 'met'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deadlines DROP COLUMN met_at`);
  }
}
