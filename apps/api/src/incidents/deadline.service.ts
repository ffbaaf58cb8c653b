import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { applyIncidentEvent, flattenState, type IncidentEvent } from '@app/workflows';
import { DataSource } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { IncidentStore } from './incident-store.js';

export type FireOutcome = 'fired' | 'not-pending' | 'not-due' | 'stale' | 'missing';

/**
 * Firing durable deadlines. The row is re-checked under lock (incident first, then deadline, the
 * same order as transitions), so a deadline fires at most once however many workers and wake-ups
 * race; a met, cancelled or superseded deadline never fires; one not yet due is re-armed.
 */
@Injectable()
export class DeadlineService {
  private readonly logger = new Logger(DeadlineService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: IncidentStore,
    private readonly audit: AuditService,
    private readonly scheduler: DeadlineScheduler,
    private readonly clock: Clock,
  ) {}

  async fire(deadlineId: string): Promise<FireOutcome> {
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      const refs: Array<{ incident_id: string }> = await manager.query('SELECT incident_id FROM deadlines WHERE id = $1', [deadlineId]);
      if (!refs[0]) return { outcome: 'missing' as const };
      const row = await this.store.lock(manager, refs[0].incident_id);
      const deadlines: Array<{ kind: IncidentEvent extends never ? never : string; due_at: Date; status: string }> = await manager.query(
        'SELECT kind, due_at, status FROM deadlines WHERE id = $1 FOR UPDATE',
        [deadlineId],
      );
      const deadline = deadlines[0]!;
      if (!row || deadline.status !== 'pending') return { outcome: 'not-pending' as const };
      if (deadline.due_at.getTime() > now.getTime()) return { outcome: 'not-due' as const, dueAt: deadline.due_at };
      const snapshot = this.store.restore(row);
      const event = {
        type: 'DEADLINE_PASSED',
        kind: deadline.kind,
        dueAt: deadline.due_at.toISOString(),
        actor: { id: 'system', roles: [], relation: 'system' },
        at: now.toISOString(),
      } as IncidentEvent;
      const applied = applyIncidentEvent(snapshot, event);
      if (!applied.changed) {
        // The machine no longer waits on this clock (replaced or resolved): it will never fire.
        await manager.query(`UPDATE deadlines SET status = 'superseded', resolved_at = $2 WHERE id = $1`, [deadlineId, now]);
        return { outcome: 'stale' as const };
      }
      const lateBy = now.getTime() - deadline.due_at.getTime();
      // Who was late: the superior agency for its review, the incident's agency for everything else.
      const parents: Array<{ parent_id: string | null }> = await manager.query('SELECT parent_id FROM agencies WHERE id = $1', [row.agency_id]);
      const lateAgencyId = deadline.kind === 'superior_review' ? (parents[0]?.parent_id ?? row.agency_id) : row.agency_id;
      await manager.query(`UPDATE deadlines SET status = 'breached', resolved_at = $2, late_by_ms = $3 WHERE id = $1`, [deadlineId, now, lateBy]);
      const saved = await this.store.save(manager, row, applied, null, now, false);
      await this.audit.append(manager, SYSTEM_ACTOR, {
        action: 'incident.deadline_breached',
        agencyId: row.agency_id,
        targetType: 'incident',
        targetId: row.id,
        details: {
          deadlineId,
          kind: deadline.kind,
          dueAt: deadline.due_at.toISOString(),
          lateByMs: lateBy,
          lateAgencyId,
          state: flattenState(applied.snapshot),
        },
      });
      return { outcome: 'fired' as const, toArm: saved.toArm };
    });
    if (result.outcome === 'fired') await this.scheduler.armQuietly(result.toArm);
    if (result.outcome === 'not-due') await this.scheduler.armQuietly([{ id: deadlineId, dueAt: result.dueAt }]);
    return result.outcome;
  }

  /** Re-arms every pending deadline (worker start and every minute): losing Redis loses no deadline. */
  async reconcile(): Promise<number> {
    const rows: Array<{ id: string; due_at: Date }> = await this.dataSource.query(`SELECT id, due_at FROM deadlines WHERE status = 'pending' ORDER BY due_at`);
    await this.scheduler.arm(rows.map((r) => ({ id: r.id, dueAt: r.due_at })));
    if (rows.length) this.logger.debug(`re-armed ${rows.length} pending deadline(s)`);
    return rows.length;
  }
}
