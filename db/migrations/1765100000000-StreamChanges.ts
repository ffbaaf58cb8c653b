import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live updates (GET /api/stream): every committed insert or update of an incident or a drill
 * notifies the PostgreSQL channel `stream_changes` with its id, agency, version and (incidents)
 * whether it has been reported. NOTIFY is delivered at commit, so a change made by any API or
 * worker process reaches every API process's listener, and a rolled-back one never does. The
 * payload carries no content: clients refetch what they may read.
 */
export class StreamChanges1765100000000 implements MigrationInterface {
  name = 'StreamChanges1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_stream_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('stream_changes', json_build_object(
          'type', TG_ARGV[0],
          'id', NEW.id,
          'agencyId', NEW.agency_id,
          'version', NEW.version,
          'reported', CASE WHEN TG_ARGV[0] = 'incident' THEN to_jsonb(NEW) ->> 'first_reported_at' IS NOT NULL ELSE true END
        )::text);
        RETURN NULL;
      END $$;
    `);
    await q.query(`CREATE TRIGGER incidents_stream_change AFTER INSERT OR UPDATE ON incidents FOR EACH ROW EXECUTE FUNCTION notify_stream_change('incident')`);
    await q.query(`CREATE TRIGGER drills_stream_change AFTER INSERT OR UPDATE ON drills FOR EACH ROW EXECUTE FUNCTION notify_stream_change('drill')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER drills_stream_change ON drills');
    await q.query('DROP TRIGGER incidents_stream_change ON incidents');
    await q.query('DROP FUNCTION notify_stream_change()');
  }
}
