import { Injectable } from '@nestjs/common';
import { flattenState, INCIDENT_MACHINE_VERSION, restoreIncident, type AppliedEvent, type IncidentSnapshot } from '@app/workflows';
import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from './deadline-scheduler.js';
import { execute } from '../database/sql.js';
import type { NotificationPayload } from '../notifications/outbox.js';
import { writeEffects } from '../workflow/write-effects.js';

export interface IncidentRow {
  id: string;
  agency_id: string;
  reference: string;
  title: string;
  description: string;
  category: string;
  subcategory: string | null;
  aware_at: Date;
  occurred_at: Date | null;
  impact: Record<string, number>;
  level: number;
  tlp: string;
  data_level: string;
  affected_systems: string[];
  is_drill: boolean;
  state: string;
  response_state: string | null;
  authority_state: string | null;
  law_enforcement_state: string | null;
  review_state: string | null;
  first_reported_at: Date | null;
  breach_count: number;
  snapshot: unknown;
  machine_version: number;
  version: number;
  filed_by: string;
  created_at: Date;
  updated_at: Date;
}

/** What a notification may carry about an incident: never its title, description or systems. */
export function notificationPayload(row: Pick<IncidentRow, 'id' | 'reference' | 'level' | 'state' | 'tlp' | 'data_level' | 'is_drill'>): NotificationPayload {
  return { incidentId: row.id, reference: row.reference, level: row.level, state: row.state, tlp: row.tlp, dataLevel: row.data_level, isDrill: row.is_drill };
}

/**
 * Loads and saves incidents inside a caller's transaction: the row is locked FOR UPDATE, the
 * snapshot restored (upgrading older machine versions), and a transition written as the new
 * snapshot, the flat columns, a bumped version and the rows of its effects.
 */
@Injectable()
export class IncidentStore {
  async lock(manager: EntityManager, id: string): Promise<IncidentRow | undefined> {
    const rows: IncidentRow[] = await manager.query('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
    return rows[0];
  }

  restore(row: IncidentRow): IncidentSnapshot {
    return restoreIncident({ machineVersion: row.machine_version, snapshot: row.snapshot });
  }

  async save(
    manager: EntityManager,
    row: IncidentRow,
    applied: AppliedEvent,
    actorId: string | null,
    now: Date,
    reported: boolean,
  ): Promise<{ row: IncidentRow; toArm: DeadlineToArm[] }> {
    const flat = flattenState(applied.snapshot);
    const context = applied.snapshot.context;
    const { rows: updated } = await execute<IncidentRow>(
      manager,
      `UPDATE incidents SET snapshot = $2, machine_version = $3, state = $4, response_state = $5, authority_state = $6, law_enforcement_state = $7,
              review_state = $8, level = $9, impact = $10, category = $11, subcategory = $12, breach_count = $13,
              first_reported_at = CASE WHEN $14::boolean THEN coalesce(first_reported_at, $15) ELSE first_reported_at END,
              version = version + 1, updated_at = $15
        WHERE id = $1 RETURNING *`,
      [
        row.id,
        JSON.stringify(applied.persisted),
        INCIDENT_MACHINE_VERSION,
        flat.state,
        flat.response,
        flat.authority,
        flat.lawEnforcement,
        flat.review,
        context.level,
        JSON.stringify(context.impact),
        context.category,
        context.subcategory,
        context.breaches.length,
        reported,
        now,
      ],
    );
    const saved = updated[0]!;
    const toArm = await writeEffects(manager, applied.effects, {
      subject: { type: 'incident', id: row.id },
      agencyId: row.agency_id,
      actorId,
      now,
      payload: () => notificationPayload(saved),
    });
    return { row: saved, toArm };
  }
}
