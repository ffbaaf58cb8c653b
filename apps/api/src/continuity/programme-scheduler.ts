import { Injectable } from '@nestjs/common';
import { nextOccurrence } from '@app/workflows';
import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';
import { agencyFacts } from './agency-facts.js';
import { DrillStore, type DrillRow } from './drill-store.js';
import type { PlanRow } from './plan-store.js';

const SYSTEM = { id: 'system', roles: [], relation: 'system' as const };

/**
 * "The next drill is always scheduled": for a plan with a programme there is always one drill of
 * the current programme waiting (scheduled or overdue). When it starts or is cancelled, the next
 * occurrence after it (and after now) is scheduled in the same transaction.
 */
@Injectable()
export class ProgrammeScheduler {
  constructor(private readonly drills: DrillStore) {}

  /** The caller holds the plan's row lock. */
  async ensureNextDrill(manager: EntityManager, plan: PlanRow, now: Date): Promise<{ drill: DrillRow | null; toArm: DeadlineToArm[] }> {
    const programme = plan.programme;
    if (!programme) return { drill: null, toArm: [] };
    const waiting: DrillRow[] = await manager.query(
      `SELECT * FROM drills WHERE plan_id = $1 AND programme_version = $2 AND state IN ('scheduled','overdue') ORDER BY scheduled_for LIMIT 1`,
      [plan.id, plan.programme_version],
    );
    if (waiting[0]) return { drill: waiting[0], toArm: [] };
    const last: Array<{ last: Date | null }> = await manager.query(
      // Any programme's drills: an occurrence an earlier programme already holds is not planned twice.
      `SELECT max(occurrence_at) AS last FROM drills WHERE plan_id = $1 AND (programme_version = $2 OR state <> 'cancelled')`,
      [plan.id, plan.programme_version],
    );
    const after = new Date(Math.max(last[0]?.last?.getTime() ?? 0, now.getTime()));
    const next = nextOccurrence(programme, after.toISOString());
    if (!next) return { drill: null, toArm: [] };
    const agency = await agencyFacts(manager, plan.agency_id);
    const created = await this.drills.create(
      manager,
      {
        planId: plan.id,
        agencyId: plan.agency_id,
        agencyCode: agency.code,
        timezone: agency.timezone,
        drillType: programme.drillType,
        scheduledFor: next,
        reminders: programme.reminders,
        afterActionWindow: programme.afterActionWindow,
        now: now.toISOString(),
        scheduledBy: SYSTEM,
        occurrenceAt: next,
        programmeVersion: plan.programme_version,
      },
      null,
      now,
    );
    return { drill: created.row, toArm: created.toArm };
  }
}
