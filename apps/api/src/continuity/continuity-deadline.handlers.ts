import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { claimDueDeadline, resolveDeadline, type DeadlineHandler, type HandlerOutcome } from '../deadlines/deadline-handler.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { CorrectiveActionsService, type CorrectiveActionRow } from './corrective-actions.service.js';
import { DrillStore } from './drill-store.js';
import { DrillsService } from './drills.service.js';
import { lockPlan } from './plan-store.js';

/** A drill's reminders, its date (overdue when not started) and its after-action report. */
@Injectable()
export class DrillDeadlineHandler implements DeadlineHandler {
  readonly subjectType = 'drill' as const;

  constructor(
    private readonly store: DrillStore,
    private readonly drills: DrillsService,
    private readonly audit: AuditService,
  ) {}

  async fire(manager: EntityManager, deadlineId: string, drillId: string, now: Date): Promise<HandlerOutcome> {
    const peek: Array<{ plan_id: string }> = await manager.query('SELECT plan_id FROM drills WHERE id = $1', [drillId]);
    if (peek[0]) await lockPlan(manager, peek[0].plan_id);
    const row = await this.store.lock(manager, drillId);
    const claim = await claimDueDeadline(manager, deadlineId, now);
    if (!('deadline' in claim)) return claim;
    const { deadline } = claim;
    if (!row) return { outcome: 'not-pending' };
    const passed = await this.drills.deadlinePassed(manager, row, deadline, now);
    if (!passed.changed) {
      await resolveDeadline(manager, deadline, 'superseded', now);
      return { outcome: 'stale' };
    }
    const reminder = deadline.kind === 'reminder';
    await resolveDeadline(manager, deadline, reminder ? 'fired' : 'breached', now);
    if (!reminder) {
      await this.audit.append(manager, SYSTEM_ACTOR, {
        action: 'drill.deadline_breached',
        agencyId: row.agency_id,
        targetType: 'drill',
        targetId: row.id,
        details: {
          deadlineId,
          kind: deadline.kind,
          dueAt: deadline.dueAt.toISOString(),
          lateByMs: now.getTime() - deadline.dueAt.getTime(),
          state: passed.row?.state,
        },
      });
    }
    return { outcome: 'fired', toArm: passed.toArm };
  }
}

/** A plan's yearly review: when missed, the coordinator and the CISO hear once and the plan shows overdue. */
@Injectable()
export class PlanReviewDeadlineHandler implements DeadlineHandler {
  readonly subjectType = 'plan' as const;

  constructor(private readonly audit: AuditService) {}

  async fire(manager: EntityManager, deadlineId: string, planId: string, now: Date): Promise<HandlerOutcome> {
    const plan = await lockPlan(manager, planId);
    const claim = await claimDueDeadline(manager, deadlineId, now);
    if (!('deadline' in claim)) return claim;
    const { deadline } = claim;
    if (!plan) return { outcome: 'not-pending' };
    if (plan.review_overdue || plan.review_due_at.getTime() !== deadline.dueAt.getTime()) {
      await resolveDeadline(manager, deadline, 'superseded', now);
      return { outcome: 'stale' };
    }
    await resolveDeadline(manager, deadline, 'breached', now);
    await manager.query('UPDATE continuity_plans SET review_overdue = true, updated_at = $2 WHERE id = $1', [planId, now]);
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
      details: { deadlineId, reviewDueAt: plan.review_due_at.toISOString(), version: plan.current_version },
    });
    return { outcome: 'fired', toArm: [] };
  }
}

/** A corrective action's reminder to its owner and its one escalation when the due date passes. */
@Injectable()
export class CorrectiveActionDeadlineHandler implements DeadlineHandler {
  readonly subjectType = 'corrective_action' as const;

  constructor(
    private readonly actions: CorrectiveActionsService,
    private readonly audit: AuditService,
  ) {}

  async fire(manager: EntityManager, deadlineId: string, actionId: string, now: Date): Promise<HandlerOutcome> {
    const rows: CorrectiveActionRow[] = await manager.query('SELECT * FROM corrective_actions WHERE id = $1 FOR UPDATE', [actionId]);
    const claim = await claimDueDeadline(manager, deadlineId, now);
    if (!('deadline' in claim)) return claim;
    const { deadline } = claim;
    const row = rows[0];
    if (!row) return { outcome: 'not-pending' };
    const outcome = await this.actions.deadlinePassed(manager, row, deadline.kind, now);
    if (outcome === 'stale') {
      await resolveDeadline(manager, deadline, 'superseded', now);
      return { outcome: 'stale' };
    }
    await resolveDeadline(manager, deadline, outcome, now);
    if (outcome === 'breached') {
      await this.audit.append(manager, SYSTEM_ACTOR, {
        action: 'corrective_action.overdue',
        agencyId: row.agency_id,
        targetType: 'corrective_action',
        targetId: row.id,
        details: { deadlineId, dueAt: row.due_at.toISOString(), status: row.status },
      });
    }
    return { outcome: 'fired', toArm: [] };
  }
}
