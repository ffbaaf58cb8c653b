import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';

export type DeadlineSubject = 'incident' | 'drill' | 'plan' | 'corrective_action';

/** A pending deadline, locked by the firing transaction. */
export interface DueDeadline {
  id: string;
  subjectType: DeadlineSubject;
  subjectId: string;
  kind: string;
  step: number | null;
  dueAt: Date;
}

export type HandlerOutcome =
  { outcome: 'fired'; toArm: DeadlineToArm[] } | { outcome: 'not-pending' } | { outcome: 'not-due'; dueAt: Date } | { outcome: 'stale' };

/**
 * Fires the deadlines of one kind of subject. `fire` runs inside the firing transaction: it locks
 * its subject row first (the same order as the subject's transitions), then claims the deadline
 * with `claimDueDeadline`, decides, and writes the outcome: breached (or fired, for a reminder),
 * or superseded when the subject no longer waits on it.
 */
export interface DeadlineHandler {
  readonly subjectType: DeadlineSubject;
  fire(manager: EntityManager, deadlineId: string, subjectId: string, now: Date): Promise<HandlerOutcome>;
}

/**
 * Locks the deadline row and says whether it may fire now: only a pending one whose time has come.
 * Call after locking the subject.
 */
export async function claimDueDeadline(
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

/** Records how a claimed deadline ended. */
export async function resolveDeadline(manager: EntityManager, deadline: DueDeadline, status: 'breached' | 'fired' | 'superseded', now: Date): Promise<void> {
  const lateBy = status === 'breached' ? now.getTime() - deadline.dueAt.getTime() : null;
  await manager.query(`UPDATE deadlines SET status = $2, resolved_at = $3, late_by_ms = $4 WHERE id = $1`, [deadline.id, status, now, lateBy]);
}
