import type { MigrationInterface, QueryRunner } from 'typeorm';

const RULE_CLOCKS = `kind IN ('report','superior_review','recovery','improvement_report')`;

/**
 * What the compliance report over an agency's subtree reads (GET /api/reports/compliance), so a
 * year of a whole tree is counted from indexes alone (index-only scans, no join of every clock to
 * its incident):
 * - each incident deadline carries its incident's agency, awareness time and drill flag
 *   (`incident_agency_id`, `incident_aware_at`, `incident_is_drill`), copied by a trigger when the
 *   row is written (none of the three ever changes on an incident) and back-filled here;
 * - the rules-table clocks of real incidents by agency and awareness time, covering the outcome;
 * - the missed ones (breached, pending, or met after the due time) by agency and due time, for the
 *   report's list of late clocks;
 * - incidents by agency and awareness time, covering what is counted; drills by agency and completion.
 */
export class ComplianceIndexes1765300000000 implements MigrationInterface {
  name = 'ComplianceIndexes1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deadlines ADD COLUMN incident_agency_id uuid NULL, ADD COLUMN incident_aware_at timestamptz NULL, ADD COLUMN incident_is_drill boolean NULL;
      UPDATE deadlines d SET incident_agency_id = i.agency_id, incident_aware_at = i.aware_at, incident_is_drill = i.is_drill
        FROM incidents i WHERE d.subject_type = 'incident' AND i.id = d.incident_id;
      CREATE FUNCTION deadlines_incident_facts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.subject_type = 'incident' THEN
          SELECT i.agency_id, i.aware_at, i.is_drill INTO NEW.incident_agency_id, NEW.incident_aware_at, NEW.incident_is_drill
            FROM incidents i WHERE i.id = NEW.incident_id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER deadlines_incident_facts BEFORE INSERT OR UPDATE OF incident_id ON deadlines FOR EACH ROW EXECUTE FUNCTION deadlines_incident_facts();
      CREATE INDEX deadlines_rule_clocks_idx ON deadlines (incident_agency_id, incident_aware_at) INCLUDE (kind, status, due_at, met_at)
        WHERE subject_type = 'incident' AND incident_is_drill = false AND ${RULE_CLOCKS} AND status IN ('pending','met','breached');
      CREATE INDEX deadlines_missed_clocks_idx ON deadlines (incident_agency_id, due_at) INCLUDE (incident_aware_at, incident_id, kind, status, met_at)
        WHERE subject_type = 'incident' AND incident_is_drill = false AND ${RULE_CLOCKS}
          AND (status IN ('pending','breached') OR (status = 'met' AND met_at > due_at));
      CREATE INDEX incidents_agency_aware_idx ON incidents (agency_id, aware_at) INCLUDE (is_drill, level, category, state);
      CREATE INDEX drills_agency_completed_idx ON drills (agency_id, completed_at) WHERE completed_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX drills_agency_completed_idx;
      DROP INDEX incidents_agency_aware_idx;
      DROP INDEX deadlines_missed_clocks_idx;
      DROP INDEX deadlines_rule_clocks_idx;
      DROP TRIGGER deadlines_incident_facts ON deadlines;
      DROP FUNCTION deadlines_incident_facts();
      ALTER TABLE deadlines DROP COLUMN incident_agency_id, DROP COLUMN incident_aware_at, DROP COLUMN incident_is_drill;
    `);
  }
}
