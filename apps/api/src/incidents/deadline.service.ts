import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.js';
import type { DeadlineHandler, DeadlineSubject } from '../deadlines/deadline-handler.js';
import { DeadlineScheduler } from './deadline-scheduler.js';

export type FireOutcome = 'fired' | 'not-pending' | 'not-due' | 'stale' | 'missing';

/** The handlers of every subject that has deadlines (see deadline.providers.ts). */
export const DEADLINE_HANDLERS = Symbol('DEADLINE_HANDLERS');

/**
 * Firing durable deadlines of every subject (incidents, drills, plan reviews, corrective actions).
 * The subject's handler locks its row, re-checks the deadline under lock and decides, so a
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
      return handler.fire(manager, deadlineId, refs[0].subject_id, now);
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
