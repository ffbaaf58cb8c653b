import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification deliveries: one row per (outbox intent, channel, address), so sending is idempotent
 * per recipient; its status moves queued → sending (intent recorded before the SMTP call) → sent
 * (message id, server response) or failed (error, attempts) → dead after the last retry.
 * A trigger on outbox inserts wakes the relay (LISTEN/NOTIFY) after the inserting transaction commits.
 */
export class Deliveries1764288000000 implements MigrationInterface {
  name = 'Deliveries1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        outbox_id uuid NOT NULL REFERENCES outbox (id),
        channel text NOT NULL CONSTRAINT deliveries_channel CHECK (channel IN ('email','webhook')),
        recipient_user_id uuid NULL REFERENCES users (id),
        address text NOT NULL,
        locale text NOT NULL CONSTRAINT deliveries_locale CHECK (locale IN ('zh-TW','en')),
        status text NOT NULL CONSTRAINT deliveries_status CHECK (status IN ('queued','sending','sent','failed','dead')),
        attempts integer NOT NULL DEFAULT 0,
        message_id text NULL,
        response text NULL,
        last_error text NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        sent_at timestamptz NULL,
        CONSTRAINT deliveries_once_per_recipient UNIQUE (outbox_id, channel, address)
      );
      CREATE INDEX deliveries_status_idx ON deliveries (status) WHERE status IN ('queued','sending','failed');

      CREATE FUNCTION outbox_wake_relay() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox', '');
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER outbox_wake_relay AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake_relay();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER outbox_wake_relay ON outbox;
      DROP FUNCTION outbox_wake_relay();
      DROP TABLE deliveries;
    `);
  }
}
