import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import type { DeadlineHandler, DueDeadline, HandlerDecision } from '../deadlines/deadline-handler.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { CorrectiveActionsService, type CorrectiveActionRow } from './corrective-actions.service.js';
import { DrillStore, type DrillRow } from './drill-store.js';
import { DrillsService } from './drills.service.js';
import { lockPlan, type PlanRow } from './plan-store.js';

/** A drill's reminders, its date (overdue when not started) and its after-action report. */
@Injectable()
export class DrillDeadlineHandler implements DeadlineHandler<DrillRow> {
  readonly subjectType = 'drill' as const;

  constructor(
    private readonly store: DrillStore,
    private readonly drills: DrillsService,
    private readonly audit: AuditService,
  ) {}

  /** The plan, then the drill: the lock order of drill events and plan edits. */
  async lock(manager: EntityManager, drillId: string): Promise<DrillRow | undefined> {
    const peek: Array<{ plan_id: string }> = await manager.query('SELECT plan_id FROM drills WHERE id = $1', [drillId]);
    if (peek[0]) await lockPlan(manager, peek[0].plan_id);
    return this.store.lock(manager, drillId);
  }

  async fire(manager: EntityManager, row: DrillRow, deadline: DueDeadline, now: Date): Promise<HandlerDecision> {
    const passed = await this.drills.deadlinePassed(manager, row, deadline, now);
    if (!passed.changed) return 'stale';
    if (deadline.kind === 'reminder') return { resolution: 'fired', toArm: passed.toArm };
    await this.audit.append(manager, SYSTEM_ACTOR, {
      action: 'drill.deadline_breached',
      agencyId: row.agency_id,
      targetType: 'drill',
      targetId: row.id,
      details: {
        deadlineId: deadline.id,
        kind: deadline.kind,
        dueAt: deadline.dueAt.toISOString(),
        lateByMs: now.getTime() - deadline.dueAt.getTime(),
        state: passed.row?.state,
      },
    });
    return { resolution: 'breached', toArm: passed.toArm };
  }
}

/** A plan's yearly review: when missed, the coordinator and the CISO hear once and the plan shows overdue. */
@Injectable()
export class PlanReviewDeadlineHandler implements DeadlineHandler<PlanRow> {
  readonly subjectType = 'plan' as const;

  constructor(private readonly audit: AuditService) {}

  lock(manager: EntityManager, planId: string): Promise<PlanRow | undefined> {
    return lockPlan(manager, planId);
  }

  async fire(manager: EntityManager, plan: PlanRow, deadline: DueDeadline, now: Date): Promise<HandlerDecision> {
    if (plan.review_overdue || plan.review_due_at.getTime() !== deadline.dueAt.getTime()) return 'stale';
    await manager.query('UPDATE continuity_plans SET review_overdue = true, updated_at = $2 WHERE id = $1', [plan.id, now]);
    await enqueueNotification(manager, {
      agencyId: plan.agency_id,
      aggregateType: 'plan',
      aggregateId: plan.id,
      template: 'plan.review_overdue',
      audience: [
        { kind: 'role', role: 'continuity_coordinator' },
        { kind: 'role', role: 'ciso' },
      ],
      payload: {
        reference: plan.reference,
        state: 'review_overdue',
        tlp: plan.tlp,
        dataLevel: plan.data_level,
        isDrill: false,
        dueAt: plan.review_due_at.toISOString(),
      },
      now,
    });
    await this.audit.append(manager, SYSTEM_ACTOR, {
      action: 'continuity.plan.review_overdue',
      agencyId: plan.agency_id,
      targetType: 'continuity_plan',
      targetId: plan.id,
      details: { deadlineId: deadline.id, reviewDueAt: plan.review_due_at.toISOString(), version: plan.current_version },
    });
    return { resolution: 'breached', toArm: [] };
  }
}

/** A corrective action's reminder to its owner and its one escalation when the due date passes. */
@Injectable()
export class CorrectiveActionDeadlineHandler implements DeadlineHandler<CorrectiveActionRow> {
  readonly subjectType = 'corrective_action' as const;

  constructor(
    private readonly actions: CorrectiveActionsService,
    private readonly audit: AuditService,
  ) {}

  async lock(manager: EntityManager, actionId: string): Promise<CorrectiveActionRow | undefined> {
    const rows: CorrectiveActionRow[] = await manager.query('SELECT * FROM corrective_actions WHERE id = $1 FOR UPDATE', [actionId]);
    return rows[0];
  }

  async fire(manager: EntityManager, row: CorrectiveActionRow, deadline: DueDeadline, now: Date): Promise<HandlerDecision> {
    const outcome = await this.actions.deadlinePassed(manager, row, deadline.kind, now);
    if (outcome === 'stale') return 'stale';
    if (outcome === 'breached') {
      await this.audit.append(manager, SYSTEM_ACTOR, {
        action: 'corrective_action.overdue',
        agencyId: row.agency_id,
        targetType: 'corrective_action',
        targetId: row.id,
        details: { deadlineId: deadline.id, dueAt: row.due_at.toISOString(), status: row.status },
      });
    }
    return { resolution: outcome, toArm: [] };
  }
}
