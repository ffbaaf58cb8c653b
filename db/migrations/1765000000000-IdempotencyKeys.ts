import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key for every creation besides filing an incident (which keeps its own table, written
 * in the filing's transaction): a key is reserved per user and operation before the creation runs
 * (`pending`) and holds the answer once it succeeded (`done`), so a retried request gets the same
 * answer and creates nothing. A failed creation releases its key.
 */
export class IdempotencyKeys1765000000000 implements MigrationInterface {
  name = 'IdempotencyKeys1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users (id),
        operation text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CONSTRAINT idempotency_keys_state_check CHECK (state IN ('pending', 'done')),
        response_status integer NULL,
        response_headers jsonb NULL,
        response_body jsonb NULL,
        created_at timestamptz NOT NULL,
        finished_at timestamptz NULL,
        PRIMARY KEY (user_id, operation, key)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
  }
}
