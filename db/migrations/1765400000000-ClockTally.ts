import type { MigrationInterface, QueryRunner } from 'typeorm';

const RULE_CLOCKS = `kind IN ('report','superior_review','recovery','improvement_report')`;
/** The done clocks of a transition table (or the table), tallied per agency, year (in the agency's zone) and kind. */
const tallyOf = (rows: string) => `
  SELECT r.incident_agency_id AS agency_id, extract(year FROM r.incident_aware_at AT TIME ZONE a.timezone)::int AS year, r.kind,
         count(*) FILTER (WHERE r.status = 'met' AND r.met_at <= r.due_at) AS on_time,
         count(*) FILTER (WHERE NOT (r.status = 'met' AND r.met_at <= r.due_at)) AS late,
         coalesce(sum(r.met_at - r.due_at) FILTER (WHERE r.met_at > r.due_at), interval '0') AS late_total,
         max(r.met_at - r.due_at) FILTER (WHERE r.met_at > r.due_at) AS late_max
    FROM ${rows} r JOIN agencies a ON a.id = r.incident_agency_id
   WHERE r.subject_type = 'incident' AND r.incident_is_drill = false AND r.kind IN ('report','superior_review','recovery','improvement_report')
     -- done: met (in time or not), or breached and then done late
     AND (r.status = 'met' OR (r.status = 'breached' AND r.met_at IS NOT NULL))
   GROUP BY 1, 2, 3`;

/**
 * The compliance report's clock figures without reading every clock of a year: a tally of the
 * rules-table clocks whose work is done (met in time, or done late), per agency, year of awareness
 * in the agency's own time zone and kind, kept by statement-level triggers on deadlines (one
 * aggregate per statement, so a bulk insert is tallied in one step). A done clock stays done, so
 * the tally only grows, except that an update of a done row is taken out and put back; the longest
 * lateness is a maximum that is never lowered. Clocks not done (running, or due and undone) are few
 * and change with the time: the report classifies them live, from a partial index of their own.
 */
export class ClockTally1765400000000 implements MigrationInterface {
  name = 'ClockTally1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deadline_clock_tally (
        agency_id uuid NOT NULL,
        year int NOT NULL,
        kind text NOT NULL,
        on_time bigint NOT NULL DEFAULT 0,
        late bigint NOT NULL DEFAULT 0,
        late_total interval NOT NULL DEFAULT interval '0',
        late_max interval NULL,
        PRIMARY KEY (agency_id, year, kind)
      );
      CREATE FUNCTION deadline_clock_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO deadline_clock_tally AS t (agency_id, year, kind, on_time, late, late_total, late_max)
        ${tallyOf('new_rows')}
        ON CONFLICT (agency_id, year, kind) DO UPDATE SET
          on_time = t.on_time + excluded.on_time, late = t.late + excluded.late, late_total = t.late_total + excluded.late_total,
          late_max = GREATEST(t.late_max, excluded.late_max);
        RETURN NULL;
      END $$;
      CREATE FUNCTION deadline_clock_tally_remove() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE deadline_clock_tally t SET on_time = t.on_time - o.on_time, late = t.late - o.late, late_total = t.late_total - o.late_total
          FROM (${tallyOf('old_rows')}) o
         WHERE t.agency_id = o.agency_id AND t.year = o.year AND t.kind = o.kind;
        RETURN NULL;
      END $$;
      CREATE TRIGGER deadline_clock_tally_insert AFTER INSERT ON deadlines REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION deadline_clock_tally_add();
      CREATE TRIGGER deadline_clock_tally_update_remove AFTER UPDATE ON deadlines REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION deadline_clock_tally_remove();
      CREATE TRIGGER deadline_clock_tally_update_add AFTER UPDATE ON deadlines REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION deadline_clock_tally_add();
      CREATE TRIGGER deadline_clock_tally_delete AFTER DELETE ON deadlines REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION deadline_clock_tally_remove();
      INSERT INTO deadline_clock_tally (agency_id, year, kind, on_time, late, late_total, late_max) ${tallyOf('deadlines')};
      CREATE INDEX deadlines_open_clocks_idx ON deadlines (incident_agency_id, incident_aware_at) INCLUDE (kind, status, due_at)
        WHERE subject_type = 'incident' AND incident_is_drill = false AND ${RULE_CLOCKS} AND (status = 'pending' OR (status = 'breached' AND met_at IS NULL));
      DROP INDEX deadlines_rule_clocks_idx;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX deadlines_rule_clocks_idx ON deadlines (incident_agency_id, incident_aware_at) INCLUDE (kind, status, due_at, met_at)
        WHERE subject_type = 'incident' AND incident_is_drill = false AND ${RULE_CLOCKS} AND status IN ('pending','met','breached');
      DROP INDEX deadlines_open_clocks_idx;
      DROP TRIGGER deadline_clock_tally_delete ON deadlines;
      DROP TRIGGER deadline_clock_tally_update_add ON deadlines;
      DROP TRIGGER deadline_clock_tally_update_remove ON deadlines;
      DROP TRIGGER deadline_clock_tally_insert ON deadlines;
      DROP FUNCTION deadline_clock_tally_remove();
      DROP FUNCTION deadline_clock_tally_add();
      DROP TABLE deadline_clock_tally;
    `);
  }
}
