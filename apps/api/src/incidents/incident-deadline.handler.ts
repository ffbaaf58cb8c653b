import { Injectable } from '@nestjs/common';
import { applyIncidentEvent, flattenState, REMINDER_KINDS, type DeadlineKind, type IncidentEvent } from '@app/workflows';
import type { EntityManager } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { DeadlineHandler, DueDeadline, HandlerDecision } from '../deadlines/deadline-handler.js';
import { IncidentStore, type IncidentRow } from './incident-store.js';

/**
 * An incident's clocks: the machine receives `DEADLINE_PASSED` once. A statutory clock is recorded
 * as breached (with who was late: the superior agency for its review, the incident's agency
 * otherwise) and audited; a reminder is recorded as fired.
 */
@Injectable()
export class IncidentDeadlineHandler implements DeadlineHandler<IncidentRow> {
  readonly subjectType = 'incident' as const;

  constructor(
    private readonly store: IncidentStore,
    private readonly audit: AuditService,
  ) {}

  lock(manager: EntityManager, incidentId: string): Promise<IncidentRow | undefined> {
    return this.store.lock(manager, incidentId);
  }

  async fire(manager: EntityManager, row: IncidentRow, deadline: DueDeadline, now: Date): Promise<HandlerDecision> {
    const event = {
      type: 'DEADLINE_PASSED',
      kind: deadline.kind,
      dueAt: deadline.dueAt.toISOString(),
      actor: { id: 'system', roles: [], relation: 'system' },
      at: now.toISOString(),
    } as IncidentEvent;
    const applied = applyIncidentEvent(this.store.restore(row), event);
    if (!applied.changed) return 'stale';
    const saved = await this.store.save(manager, row, applied, null, now, false);
    // A reminder goes off; nothing is late yet.
    if (REMINDER_KINDS.includes(deadline.kind as DeadlineKind)) return { resolution: 'fired', toArm: saved.toArm };
    const parents: Array<{ parent_id: string | null }> = await manager.query('SELECT parent_id FROM agencies WHERE id = $1', [row.agency_id]);
    const lateAgencyId = deadline.kind === 'superior_review' ? (parents[0]?.parent_id ?? row.agency_id) : row.agency_id;
    await this.audit.append(manager, SYSTEM_ACTOR, {
      action: 'incident.deadline_breached',
      agencyId: row.agency_id,
      targetType: 'incident',
      targetId: row.id,
      details: {
        deadlineId: deadline.id,
        kind: deadline.kind,
        dueAt: deadline.dueAt.toISOString(),
        lateByMs: now.getTime() - deadline.dueAt.getTime(),
        lateAgencyId,
        state: flattenState(applied.snapshot),
      },
    });
    return { resolution: 'breached', toArm: saved.toArm };
  }
}
