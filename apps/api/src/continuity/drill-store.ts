import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  applyDrillEvent,
  DRILL_MACHINE_VERSION,
  drillStateName,
  restoreDrill,
  scheduleDrill,
  type DrillEffect,
  type DrillEvent,
  type DrillInput,
  type DrillSnapshot,
} from '@app/workflows';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { execute } from '../database/sql.js';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';
import type { NotificationPayload } from '../notifications/outbox.js';
import { writeEffects } from '../workflow/write-effects.js';

export interface DrillRow {
  id: string;
  agency_id: string;
  plan_id: string;
  reference: string;
  drill_type: string;
  occurrence_at: Date | null;
  programme_version: number | null;
  scheduled_for: Date;
  state: string;
  snapshot: unknown;
  machine_version: number;
  version: number;
  breach_count: number;
  after_action: Record<string, unknown> | null;
  after_action_submitted_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PlanClassification {
  tlp: string;
  dataLevel: string;
}

/** What a drill notification may carry: its reference, state, the plan's classification and the drill time. */
export function drillPayload(row: Pick<DrillRow, 'id' | 'reference' | 'state' | 'scheduled_for'>, plan: PlanClassification): NotificationPayload {
  return {
    drillId: row.id,
    reference: row.reference,
    state: row.state,
    tlp: plan.tlp,
    dataLevel: plan.dataLevel,
    isDrill: true,
    dueAt: row.scheduled_for.toISOString(),
  };
}

/**
 * Drills in the database: created from the machine's initial transition, locked FOR UPDATE for a
 * transition, saved as snapshot + flat columns + the rows of the machine's effects (deadlines with
 * subject 'drill', outbox intents, timeline), all in the caller's transaction.
 */
@Injectable()
export class DrillStore {
  async lock(manager: EntityManager, id: string): Promise<DrillRow | undefined> {
    const rows: DrillRow[] = await manager.query('SELECT * FROM drills WHERE id = $1 FOR UPDATE', [id]);
    return rows[0];
  }

  restore(row: DrillRow): DrillSnapshot {
    return restoreDrill({ machineVersion: row.machine_version, snapshot: row.snapshot });
  }

  async planClassification(manager: EntityManager, planId: string): Promise<PlanClassification> {
    const rows: Array<{ tlp: string; data_level: string }> = await manager.query('SELECT tlp, data_level FROM continuity_plans WHERE id = $1', [planId]);
    return { tlp: rows[0]!.tlp, dataLevel: rows[0]!.data_level };
  }

  /** Creates a drill in `scheduled`, with its reminders and start deadline. */
  async create(
    manager: EntityManager,
    input: Omit<DrillInput, 'drillId' | 'timezone'> & { agencyCode: string; timezone: string; occurrenceAt: string | null; programmeVersion: number | null },
    actorId: string | null,
    now: Date,
  ): Promise<{ row: DrillRow; toArm: DeadlineToArm[] }> {
    const id = randomUUID();
    const year = DateTime.fromISO(input.scheduledFor, { zone: input.timezone }).year;
    const counter: Array<{ last: number }> = await manager.query(
      `INSERT INTO drill_counters (agency_id, year, last) VALUES ($1, $2, 1)
       ON CONFLICT (agency_id, year) DO UPDATE SET last = drill_counters.last + 1 RETURNING last`,
      [input.agencyId, year],
    );
    const reference = `${input.agencyCode}-DRL-${year}-${String(counter[0]!.last).padStart(4, '0')}`;
    // The agency's zone goes to the machine: reminders and the report window count on its calendar.
    const { agencyCode: _code, occurrenceAt, programmeVersion, ...machineInput } = input;
    const scheduled = scheduleDrill({ ...machineInput, drillId: id });
    const rows: DrillRow[] = await manager.query(
      `INSERT INTO drills (id, agency_id, plan_id, reference, drill_type, occurrence_at, programme_version, scheduled_for, state, snapshot, machine_version,
                           version, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13) RETURNING *`,
      [
        id,
        input.agencyId,
        input.planId,
        reference,
        input.drillType,
        occurrenceAt,
        programmeVersion,
        input.scheduledFor,
        drillStateName(scheduled.snapshot),
        JSON.stringify(scheduled.persisted),
        DRILL_MACHINE_VERSION,
        actorId,
        now,
      ],
    );
    const row = rows[0]!;
    const toArm = await this.writeEffects(manager, row, scheduled.effects, actorId, now);
    return { row, toArm };
  }

  /** Sends one event; a refused event changes nothing and returns `changed: false`. */
  async apply(
    manager: EntityManager,
    row: DrillRow,
    event: DrillEvent,
    actorId: string | null,
    now: Date,
  ): Promise<{ changed: false; snapshot: DrillSnapshot } | { changed: true; row: DrillRow; snapshot: DrillSnapshot; toArm: DeadlineToArm[] }> {
    const applied = applyDrillEvent(this.restore(row), event);
    if (!applied.changed) return { changed: false, snapshot: applied.snapshot };
    const context = applied.snapshot.context;
    const state = drillStateName(applied.snapshot);
    const { rows } = await execute<DrillRow>(
      manager,
      `UPDATE drills SET snapshot = $2, machine_version = $3, state = $4, scheduled_for = $5, breach_count = $6,
              after_action = CASE WHEN $7::jsonb IS NULL THEN after_action ELSE $7::jsonb END,
              after_action_submitted_at = coalesce(after_action_submitted_at, $8), completed_at = coalesce(completed_at, $9),
              closed_at = coalesce(closed_at, $10), version = version + 1, updated_at = $11
        WHERE id = $1 RETURNING *`,
      [
        row.id,
        JSON.stringify(applied.persisted),
        DRILL_MACHINE_VERSION,
        state,
        context.scheduledFor,
        context.breaches.length,
        event.type === 'SUBMIT_AFTER_ACTION' ? JSON.stringify(event.report) : null,
        event.type === 'SUBMIT_AFTER_ACTION' ? now : null,
        event.type === 'COMPLETE' ? now : null,
        state === 'closed' ? now : null,
        now,
      ],
    );
    const saved = rows[0]!;
    const toArm = await this.writeEffects(manager, saved, applied.effects, actorId, now);
    return { changed: true, row: saved, snapshot: applied.snapshot, toArm };
  }

  private writeEffects(manager: EntityManager, row: DrillRow, effects: DrillEffect[], actorId: string | null, now: Date): Promise<DeadlineToArm[]> {
    return writeEffects(manager, effects, {
      subject: { type: 'drill', id: row.id },
      agencyId: row.agency_id,
      actorId,
      now,
      payload: async () => drillPayload(row, await this.planClassification(manager, row.plan_id)),
    });
  }
}
