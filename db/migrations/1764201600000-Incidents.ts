import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incidents (article 41): one row per incident with the persisted machine snapshot and flat state
 * columns, gapless per-agency yearly reference counters, idempotency keys, the timeline, durable
 * deadlines, the notification outbox, and evidence with its chain of custody (append-only).
 */
export class Incidents1764201600000 implements MigrationInterface {
  name = 'Incidents1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END;
      $$;

      CREATE TABLE incident_counters (
        agency_id uuid NOT NULL REFERENCES agencies (id),
        year integer NOT NULL,
        last integer NOT NULL,
        PRIMARY KEY (agency_id, year)
      );

      CREATE TABLE incidents (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        reference text NOT NULL,
        title text NOT NULL,
        description text NOT NULL,
        category text NOT NULL,
        subcategory text NULL,
        aware_at timestamptz NOT NULL,
        occurred_at timestamptz NULL,
        impact jsonb NOT NULL,
        level smallint NOT NULL CONSTRAINT incidents_level CHECK (level BETWEEN 1 AND 4),
        tlp text NOT NULL CONSTRAINT incidents_tlp CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
        data_level text NOT NULL CONSTRAINT incidents_data_level CHECK (data_level IN ('public','general','sensitive','confidential')),
        affected_systems jsonb NOT NULL,
        is_drill boolean NOT NULL,
        state text NOT NULL CONSTRAINT incidents_state CHECK (state IN ('reported','responding','review','closed','dismissed')),
        response_state text NULL,
        authority_state text NULL,
        law_enforcement_state text NULL,
        review_state text NULL,
        first_reported_at timestamptz NULL,
        breach_count integer NOT NULL DEFAULT 0,
        snapshot jsonb NOT NULL,
        machine_version integer NOT NULL,
        version integer NOT NULL,
        filed_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX incidents_reference_key ON incidents (reference);
      CREATE INDEX incidents_agency_created_idx ON incidents (agency_id, created_at DESC, id DESC);
      CREATE INDEX incidents_state_idx ON incidents (state, level);

      CREATE TABLE incident_idempotency_keys (
        user_id uuid NOT NULL REFERENCES users (id),
        key text NOT NULL,
        request_hash text NOT NULL,
        incident_id uuid NOT NULL REFERENCES incidents (id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      );

      CREATE TABLE incident_timeline (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id uuid NOT NULL REFERENCES incidents (id),
        at timestamptz NOT NULL,
        actor_id uuid NULL,
        entry text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX incident_timeline_incident_idx ON incident_timeline (incident_id, seq);
      CREATE TRIGGER incident_timeline_append_only BEFORE UPDATE OR DELETE ON incident_timeline FOR EACH ROW EXECUTE FUNCTION append_only();

      -- Durable deadlines: the row is the truth, a BullMQ delayed job (jobId = id) only the wake-up.
      CREATE TABLE deadlines (
        id uuid PRIMARY KEY,
        incident_id uuid NOT NULL REFERENCES incidents (id),
        kind text NOT NULL CONSTRAINT deadlines_kind CHECK (kind IN ('report','superior_review','recovery','improvement_report','acknowledgement')),
        step integer NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CONSTRAINT deadlines_status CHECK (status IN ('pending','met','breached','cancelled','superseded')),
        created_at timestamptz NOT NULL,
        resolved_at timestamptz NULL,
        late_by_ms bigint NULL
      );
      CREATE UNIQUE INDEX deadlines_one_pending_per_kind ON deadlines (incident_id, kind) WHERE status = 'pending';
      CREATE INDEX deadlines_pending_due_idx ON deadlines (due_at) WHERE status = 'pending';
      CREATE INDEX deadlines_incident_idx ON deadlines (incident_id);

      -- Notification intents, written in the transaction that decided them; the notify library delivers them.
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        aggregate_type text NOT NULL,
        aggregate_id uuid NOT NULL,
        template text NOT NULL,
        audience jsonb NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        enqueued_at timestamptz NULL
      );
      CREATE INDEX outbox_unsent_idx ON outbox (created_at) WHERE enqueued_at IS NULL;
      CREATE INDEX outbox_aggregate_idx ON outbox (aggregate_type, aggregate_id);

      -- Evidence and its chain of custody: entries are append-only.
      CREATE TABLE evidence_items (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id uuid PRIMARY KEY,
        incident_id uuid NOT NULL REFERENCES incidents (id),
        description text NOT NULL,
        source text NOT NULL,
        collected_by text NOT NULL,
        collected_at timestamptz NOT NULL,
        collected_at_offset text NOT NULL,
        sha256 text NOT NULL CONSTRAINT evidence_sha256 CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage text NOT NULL,
        recorded_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL
      );
      CREATE INDEX evidence_items_incident_idx ON evidence_items (incident_id);
      CREATE TRIGGER evidence_items_append_only BEFORE UPDATE OR DELETE ON evidence_items FOR EACH ROW EXECUTE FUNCTION append_only();

      CREATE TABLE evidence_transfers (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id uuid PRIMARY KEY,
        evidence_id uuid NOT NULL REFERENCES evidence_items (id),
        from_party text NOT NULL,
        to_party text NOT NULL,
        purpose text NOT NULL,
        at timestamptz NOT NULL,
        at_offset text NOT NULL,
        sha256 text NOT NULL,
        outcome text NOT NULL CONSTRAINT evidence_transfers_outcome CHECK (outcome IN ('accepted','refused_hash_mismatch')),
        recorded_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL
      );
      CREATE INDEX evidence_transfers_evidence_idx ON evidence_transfers (evidence_id, created_at);
      CREATE TRIGGER evidence_transfers_append_only BEFORE UPDATE OR DELETE ON evidence_transfers FOR EACH ROW EXECUTE FUNCTION append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE evidence_transfers;
      DROP TABLE evidence_items;
      DROP TABLE outbox;
      DROP TABLE deadlines;
      DROP TABLE incident_timeline;
      DROP TABLE incident_idempotency_keys;
      DROP TABLE incidents;
      DROP TABLE incident_counters;
      DROP FUNCTION append_only();
    `);
  }
}
