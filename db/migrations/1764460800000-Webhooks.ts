import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbound webhooks per agency (a second channel, to bridge to chat or SMS gateways). */
export class Webhooks1764460800000 implements MigrationInterface {
  name = 'Webhooks1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        url text NOT NULL,
        secret text NOT NULL,
        description text NOT NULL,
        enabled boolean NOT NULL,
        created_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL
      );
      CREATE INDEX webhooks_agency_idx ON webhooks (agency_id) WHERE enabled;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhooks;`);
  }
}
