import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agencies (a tree), their policy, units, users with role and unit memberships, server-side
 * sessions, and the append-only, hash-chained audit log (article 36).
 */
export class Foundation1764115200000 implements MigrationInterface {
  name = 'Foundation1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agencies (
        id uuid PRIMARY KEY,
        code text NOT NULL CONSTRAINT agencies_code_format CHECK (code ~ '^[A-Z][A-Z0-9]{1,15}$'),
        name text NOT NULL CONSTRAINT agencies_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
        parent_id uuid NULL REFERENCES agencies (id),
        timezone text NOT NULL,
        responsibility_level char(1) NOT NULL CONSTRAINT agencies_responsibility_level CHECK (responsibility_level IN ('A','B','C','D','E')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT agencies_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
      );
      CREATE UNIQUE INDEX agencies_code_key ON agencies (code);
      CREATE INDEX agencies_parent_idx ON agencies (parent_id);

      CREATE TABLE agency_policies (
        agency_id uuid PRIMARY KEY REFERENCES agencies (id),
        document jsonb NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by uuid NULL
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        email text NOT NULL,
        name text NOT NULL,
        locale text NOT NULL CONSTRAINT users_locale CHECK (locale IN ('zh-TW','en')),
        password_hash text NOT NULL,
        password_changed_at timestamptz NOT NULL,
        must_change_password boolean NOT NULL,
        expires_at timestamptz NULL,
        disabled_at timestamptz NULL,
        disabled_reason text NULL,
        failed_login_count integer NOT NULL DEFAULT 0,
        locked_until timestamptz NULL,
        last_login_at timestamptz NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));
      CREATE INDEX users_agency_idx ON users (agency_id);

      CREATE TABLE role_memberships (
        user_id uuid NOT NULL REFERENCES users (id),
        role text NOT NULL CONSTRAINT role_memberships_role CHECK (role IN
          ('reporter','responder','on_call_manager','ethics_officer','ciso','continuity_coordinator','auditor','admin','vendor')),
        granted_at timestamptz NOT NULL,
        granted_by uuid NULL,
        PRIMARY KEY (user_id, role)
      );
      CREATE INDEX role_memberships_role_idx ON role_memberships (role);

      CREATE TABLE units (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        name text NOT NULL,
        type text NOT NULL CONSTRAINT units_type CHECK (type IN ('it','business','ethics','leadership','other')),
        head_user_id uuid NULL REFERENCES users (id),
        email text NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT units_name_per_agency UNIQUE (agency_id, name)
      );

      CREATE TABLE unit_memberships (
        unit_id uuid NOT NULL REFERENCES units (id),
        user_id uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (unit_id, user_id)
      );
      CREATE INDEX unit_memberships_user_idx ON unit_memberships (user_id);

      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id),
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        revoked_at timestamptz NULL,
        revoked_reason text NULL,
        ip text NULL,
        user_agent text NULL
      );
      CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
      CREATE INDEX sessions_user_active_idx ON sessions (user_id) WHERE revoked_at IS NULL;

      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid NULL,
        actor_label text NULL,
        agency_id uuid NULL,
        action text NOT NULL,
        target_type text NULL,
        target_id text NULL,
        outcome text NOT NULL CONSTRAINT audit_events_outcome CHECK (outcome IN ('success','refused','failed')),
        details jsonb NOT NULL,
        request_id text NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE UNIQUE INDEX audit_events_id_key ON audit_events (id);
      CREATE UNIQUE INDEX audit_events_hash_key ON audit_events (hash);
      CREATE INDEX audit_events_agency_idx ON audit_events (agency_id, seq);
      CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id);

      -- Article 36: audit records must not be deleted or altered, not even by the application's
      -- own database user. Row triggers refuse UPDATE and DELETE, a statement trigger TRUNCATE.
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (article 36): % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END;
      $$;
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_events;
      DROP FUNCTION audit_events_append_only();
      DROP TABLE sessions;
      DROP TABLE unit_memberships;
      DROP TABLE units;
      DROP TABLE role_memberships;
      DROP TABLE users;
      DROP TABLE agency_policies;
      DROP TABLE agencies;
    `);
  }
}
