import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Business continuity (article 40): plans and their append-only versions (article 19: who changed
 * what and why), drill programmes, drills with their persisted machine snapshots and timeline,
 * after-action reports, corrective actions, and per-user calendar feed secrets.
 *
 * Durable deadlines become generic: a deadline belongs to a subject (an incident, a drill, a plan's
 * review, a corrective action), so one reconciler and one queue wake every clock of the product.
 * Reminders are deadlines too; when they go off their status is `fired` (a reminder is never
 * breached).
 */
export class Continuity1764547200000 implements MigrationInterface {
  name = 'Continuity1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deadlines ADD COLUMN subject_type text NOT NULL DEFAULT 'incident'
        CONSTRAINT deadlines_subject_type CHECK (subject_type IN ('incident','drill','plan','corrective_action'));
      ALTER TABLE deadlines ADD COLUMN subject_id uuid NULL;
      UPDATE deadlines SET subject_id = incident_id;
      ALTER TABLE deadlines ALTER COLUMN subject_id SET NOT NULL;
      ALTER TABLE deadlines ALTER COLUMN subject_type DROP DEFAULT;
      ALTER TABLE deadlines ALTER COLUMN incident_id DROP NOT NULL;
      ALTER TABLE deadlines ADD CONSTRAINT deadlines_incident_subject
        CHECK ((subject_type = 'incident') = (incident_id IS NOT NULL) AND (incident_id IS NULL OR incident_id = subject_id));
      ALTER TABLE deadlines DROP CONSTRAINT deadlines_kind;
      ALTER TABLE deadlines ADD CONSTRAINT deadlines_kind CHECK (
        (subject_type = 'incident' AND kind IN ('report','superior_review','recovery','improvement_report','acknowledgement','report_due_soon'))
        OR (subject_type = 'drill' AND kind IN ('reminder','start','after_action'))
        OR (subject_type = 'plan' AND kind IN ('review'))
        OR (subject_type = 'corrective_action' AND kind IN ('due_soon','due')));
      ALTER TABLE deadlines DROP CONSTRAINT deadlines_status;
      ALTER TABLE deadlines ADD CONSTRAINT deadlines_status CHECK (status IN ('pending','met','breached','cancelled','superseded','fired'));
      DROP INDEX deadlines_one_pending_per_kind;
      CREATE UNIQUE INDEX deadlines_one_pending_per_kind ON deadlines (subject_type, subject_id, kind) WHERE status = 'pending';
      CREATE INDEX deadlines_subject_idx ON deadlines (subject_type, subject_id);

      CREATE TABLE plan_counters (
        agency_id uuid PRIMARY KEY REFERENCES agencies (id),
        last integer NOT NULL
      );
      CREATE TABLE drill_counters (
        agency_id uuid NOT NULL REFERENCES agencies (id),
        year integer NOT NULL,
        last integer NOT NULL,
        PRIMARY KEY (agency_id, year)
      );

      CREATE TABLE continuity_plans (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        reference text NOT NULL UNIQUE,
        title text NOT NULL,
        tlp text NOT NULL CONSTRAINT continuity_plans_tlp CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER+STRICT','RED')),
        data_level text NOT NULL CONSTRAINT continuity_plans_data_level CHECK (data_level IN ('public','general','sensitive','confidential')),
        current_version integer NOT NULL,
        review_due_at timestamptz NOT NULL,
        review_overdue boolean NOT NULL DEFAULT false,
        programme jsonb NULL,
        programme_version integer NOT NULL DEFAULT 0,
        created_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX continuity_plans_agency_idx ON continuity_plans (agency_id, created_at DESC, id DESC);

      -- Every version of a plan, as written: never updated, never deleted (article 19).
      CREATE TABLE continuity_plan_versions (
        plan_id uuid NOT NULL REFERENCES continuity_plans (id),
        version integer NOT NULL,
        document jsonb NOT NULL,
        change_reason text NOT NULL,
        addresses_drill_ids uuid[] NOT NULL DEFAULT '{}',
        author_id uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (plan_id, version)
      );
      CREATE TRIGGER continuity_plan_versions_append_only BEFORE UPDATE OR DELETE ON continuity_plan_versions
        FOR EACH ROW EXECUTE FUNCTION append_only();

      CREATE TABLE drills (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        plan_id uuid NOT NULL REFERENCES continuity_plans (id),
        reference text NOT NULL UNIQUE,
        drill_type text NOT NULL CONSTRAINT drills_type CHECK (drill_type IN ('tabletop','functional','full_scale')),
        -- The programme occurrence this drill fulfils (null for a drill scheduled by hand).
        occurrence_at timestamptz NULL,
        programme_version integer NULL,
        scheduled_for timestamptz NOT NULL,
        state text NOT NULL CONSTRAINT drills_state CHECK (state IN ('scheduled','overdue','in_progress','debrief','improvement','closed','cancelled')),
        snapshot jsonb NOT NULL,
        machine_version integer NOT NULL,
        version integer NOT NULL,
        breach_count integer NOT NULL DEFAULT 0,
        after_action jsonb NULL,
        after_action_submitted_at timestamptz NULL,
        completed_at timestamptz NULL,
        closed_at timestamptz NULL,
        created_by uuid NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX drills_one_per_occurrence ON drills (plan_id, occurrence_at) WHERE occurrence_at IS NOT NULL AND state <> 'cancelled';
      CREATE INDEX drills_agency_scheduled_idx ON drills (agency_id, scheduled_for, id);
      CREATE INDEX drills_plan_idx ON drills (plan_id, scheduled_for);

      CREATE TABLE drill_timeline (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        drill_id uuid NOT NULL REFERENCES drills (id),
        at timestamptz NOT NULL,
        actor_id uuid NULL,
        entry text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX drill_timeline_drill_idx ON drill_timeline (drill_id, seq);
      CREATE TRIGGER drill_timeline_append_only BEFORE UPDATE OR DELETE ON drill_timeline FOR EACH ROW EXECUTE FUNCTION append_only();

      CREATE TABLE corrective_actions (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id),
        source_type text NOT NULL CONSTRAINT corrective_actions_source CHECK (source_type IN ('drill','incident')),
        source_id uuid NOT NULL,
        title text NOT NULL,
        owner_user_id uuid NULL REFERENCES users (id),
        owner_unit_id uuid NULL REFERENCES units (id),
        due_at timestamptz NOT NULL,
        status text NOT NULL CONSTRAINT corrective_actions_status CHECK (status IN ('open','in_progress','done','verified','cancelled')),
        overdue boolean NOT NULL DEFAULT false,
        note text NULL,
        done_at timestamptz NULL,
        done_by uuid NULL REFERENCES users (id),
        verified_at timestamptz NULL,
        verified_by uuid NULL REFERENCES users (id),
        version integer NOT NULL,
        created_by uuid NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT corrective_actions_owner CHECK (owner_user_id IS NOT NULL OR owner_unit_id IS NOT NULL)
      );
      CREATE INDEX corrective_actions_agency_idx ON corrective_actions (agency_id, due_at, id);
      CREATE INDEX corrective_actions_source_idx ON corrective_actions (source_type, source_id);

      -- Secret calendar feed URLs (only a hash is kept; the URL is shown once).
      CREATE TABLE calendar_feeds (
        user_id uuid PRIMARY KEY REFERENCES users (id),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE calendar_feeds;
      DROP TABLE corrective_actions;
      DROP TABLE drill_timeline;
      DROP TABLE drills;
      DROP TABLE continuity_plan_versions;
      DROP TABLE continuity_plans;
      DROP TABLE drill_counters;
      DROP TABLE plan_counters;
      DELETE FROM deadlines WHERE subject_type <> 'incident';
      UPDATE deadlines SET status = 'met' WHERE status = 'fired';
      DELETE FROM deadlines WHERE kind = 'report_due_soon';
      DROP INDEX deadlines_subject_idx;
      DROP INDEX deadlines_one_pending_per_kind;
      CREATE UNIQUE INDEX deadlines_one_pending_per_kind ON deadlines (incident_id, kind) WHERE status = 'pending';
      ALTER TABLE deadlines DROP CONSTRAINT deadlines_status;
      ALTER TABLE deadlines ADD CONSTRAINT deadlines_status CHECK (status IN ('pending','met','breached','cancelled','superseded'));
      ALTER TABLE deadlines DROP CONSTRAINT deadlines_kind;
      ALTER TABLE deadlines ADD CONSTRAINT deadlines_kind CHECK (kind IN ('report','superior_review','recovery','improvement_report','acknowledgement'));
      ALTER TABLE deadlines DROP CONSTRAINT deadlines_incident_subject;
      ALTER TABLE deadlines ALTER COLUMN incident_id SET NOT NULL;
      ALTER TABLE deadlines DROP COLUMN subject_id;
      ALTER TABLE deadlines DROP COLUMN subject_type;
    `);
  }
}
