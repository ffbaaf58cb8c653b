import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the compliance report over an agency's subtree (GET /api/reports/compliance): the
 * incidents an agency became aware of in a year, the rules-table clocks of an incident, and the
 * drills an agency completed in a year. The first two cover what the report reads, so a year of a
 * whole tree is counted from the indexes alone (index-only scans) instead of the tables.
 */
export class ComplianceIndexes1765300000000 implements MigrationInterface {
  name = 'ComplianceIndexes1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX incidents_agency_aware_idx ON incidents (agency_id, aware_at) INCLUDE (is_drill, level, category, state)`);
    await q.query(
      `CREATE INDEX deadlines_rule_clocks_idx ON deadlines (incident_id) INCLUDE (kind, status, due_at, met_at, resolved_at)
        WHERE subject_type = 'incident' AND kind IN ('report','superior_review','recovery','improvement_report') AND status IN ('pending','met','breached')`,
    );
    await q.query(`CREATE INDEX drills_agency_completed_idx ON drills (agency_id, completed_at) WHERE completed_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX drills_agency_completed_idx`);
    await q.query(`DROP INDEX deadlines_rule_clocks_idx`);
    await q.query(`DROP INDEX incidents_agency_aware_idx`);
  }
}
