import type { MigrationInterface, QueryRunner } from 'typeorm';

/** On-call schedules per agency (optionally per unit): rotation layers and overrides. */
export class OnCall1764374400000 implements MigrationInterface {
  name = 'OnCall1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oncall_schedules (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        unit_id uuid NULL REFERENCES units (id),
        name text NOT NULL,
        timezone text NOT NULL,
        layers jsonb NOT NULL,
        created_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT oncall_schedules_name_per_agency UNIQUE (agency_id, name)
      );
      CREATE TABLE oncall_overrides (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id uuid PRIMARY KEY,
        schedule_id uuid NOT NULL REFERENCES oncall_schedules (id),
        user_id uuid NOT NULL REFERENCES users (id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        reason text NOT NULL,
        created_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        CONSTRAINT oncall_overrides_period CHECK (ends_at > starts_at)
      );
      CREATE INDEX oncall_overrides_schedule_idx ON oncall_overrides (schedule_id, ends_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oncall_overrides; DROP TABLE oncall_schedules;`);
  }
}
