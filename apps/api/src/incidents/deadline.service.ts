import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../clock/clock.js';
import type { DeadlineHandler, DeadlineSubject, DueDeadline } from '../deadlines/deadline-handler.js';
import { DeadlineScheduler } from './deadline-scheduler.js';

export type FireOutcome = 'fired' | 'not-pending' | 'not-due' | 'stale' | 'missing';

/** The handlers of every subject that has deadlines (see deadline.providers.ts). */
export const DEADLINE_HANDLERS = Symbol('DEADLINE_HANDLERS');

/**
 * Firing durable deadlines of every subject (incidents, drills, plan reviews, corrective actions).
 * The subject's handler locks its row, the deadline is re-checked under lock, the handler decides, so a
 * deadline fires at most once however many workers and wake-ups race; a met, cancelled or
 * superseded deadline never fires; one not yet due is re-armed.
 */
@Injectable()
export class DeadlineService implements OnModuleInit {
  private readonly logger = new Logger(DeadlineService.name);
  private readonly bySubject = new Map<DeadlineSubject, DeadlineHandler>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DEADLINE_HANDLERS) private readonly handlers: DeadlineHandler[],
    private readonly scheduler: DeadlineScheduler,
    private readonly clock: Clock,
  ) {}

  /** One handler per subject, checked at start-up. */
  onModuleInit(): void {
    for (const h of this.handlers) {
      if (this.bySubject.has(h.subjectType)) throw new Error(`two deadline handlers for ${h.subjectType}`);
      this.bySubject.set(h.subjectType, h);
    }
  }

  async fire(deadlineId: string): Promise<FireOutcome> {
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      const refs: Array<{ subject_type: DeadlineSubject; subject_id: string }> = await manager.query(
        'SELECT subject_type, subject_id FROM deadlines WHERE id = $1',
        [deadlineId],
      );
      if (!refs[0]) return { outcome: 'missing' as const };
      const handler = this.bySubject.get(refs[0].subject_type);
      if (!handler) throw new Error(`no deadline handler for ${refs[0].subject_type}`);
      const subject = await handler.lock(manager, refs[0].subject_id);
      const claim = await this.claim(manager, deadlineId, now);
      if (!('deadline' in claim)) return claim;
      if (subject === undefined) return { outcome: 'not-pending' as const };
      const decision = await handler.fire(manager, subject, claim.deadline, now);
      if (decision === 'stale') {
        // The subject no longer waits on this clock (replaced or resolved): it never fires.
        await this.resolve(manager, claim.deadline, 'superseded', now);
        return { outcome: 'stale' as const };
      }
      await this.resolve(manager, claim.deadline, decision.resolution, now);
      return { outcome: 'fired' as const, toArm: decision.toArm };
    });
    if (result.outcome === 'fired') await this.scheduler.armQuietly(result.toArm);
    if (result.outcome === 'not-due') await this.scheduler.armQuietly([{ id: deadlineId, dueAt: result.dueAt }]);
    return result.outcome;
  }

  /** Locks the deadline row (after its subject) and says whether it may fire now: only a pending one whose time has come. */
  private async claim(
    manager: EntityManager,
    deadlineId: string,
    now: Date,
  ): Promise<{ deadline: DueDeadline } | { outcome: 'not-pending' } | { outcome: 'not-due'; dueAt: Date }> {
    const rows: Array<{ id: string; subject_type: DeadlineSubject; subject_id: string; kind: string; step: number | null; due_at: Date; status: string }> =
      await manager.query('SELECT id, subject_type, subject_id, kind, step, due_at, status FROM deadlines WHERE id = $1 FOR UPDATE', [deadlineId]);
    const row = rows[0];
    if (!row || row.status !== 'pending') return { outcome: 'not-pending' };
    if (row.due_at.getTime() > now.getTime()) return { outcome: 'not-due', dueAt: row.due_at };
    return { deadline: { id: row.id, subjectType: row.subject_type, subjectId: row.subject_id, kind: row.kind, step: row.step, dueAt: row.due_at } };
  }

  /** Records how a claimed deadline ended (a breach keeps how late it was). */
  private async resolve(manager: EntityManager, deadline: DueDeadline, status: 'breached' | 'fired' | 'superseded', now: Date): Promise<void> {
    const lateBy = status === 'breached' ? now.getTime() - deadline.dueAt.getTime() : null;
    await manager.query(`UPDATE deadlines SET status = $2, resolved_at = $3, late_by_ms = $4 WHERE id = $1`, [deadline.id, status, now, lateBy]);
  }

  /** Re-arms every pending deadline (worker start and every minute): losing Redis loses no deadline. */
  async reconcile(): Promise<number> {
    const rows: Array<{ id: string; due_at: Date }> = await this.dataSource.query(`SELECT id, due_at FROM deadlines WHERE status = 'pending' ORDER BY due_at`);
    await this.scheduler.arm(rows.map((r) => ({ id: r.id, dueAt: r.due_at })));
    if (rows.length) this.logger.debug(`re-armed ${rows.length} pending deadline(s)`);
    return rows.length;
  }
}
