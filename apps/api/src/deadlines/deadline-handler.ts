import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';

export type DeadlineSubject = 'incident' | 'drill' | 'plan' | 'corrective_action';

/** A pending deadline whose time has come, claimed (locked) by the firing transaction. */
export interface DueDeadline {
  id: string;
  subjectType: DeadlineSubject;
  subjectId: string;
  kind: string;
  step: number | null;
  dueAt: Date;
}

/**
 * What a due deadline meant for its subject: it went off (`breached` for a clock, `fired` for a
 * reminder) with the new deadlines to arm, or the subject no longer waits on it (`stale`).
 */
export type HandlerDecision = { resolution: 'breached' | 'fired'; toArm: DeadlineToArm[] } | 'stale';

/**
 * The deadlines of one kind of subject. DeadlineService runs both steps in the firing transaction:
 * `lock` the subject row first (the lock order of the subject's own transitions), then, once the
 * deadline is claimed, `fire` decides and writes the subject's side (machine event, outbox, audit).
 * The deadline row itself is claimed and resolved by DeadlineService.
 */
export interface DeadlineHandler<Subject = unknown> {
  readonly subjectType: DeadlineSubject;
  /** Locks the subject; undefined when it is gone. */
  lock(manager: EntityManager, subjectId: string): Promise<Subject | undefined>;
  fire(manager: EntityManager, subject: Subject, deadline: DueDeadline, now: Date): Promise<HandlerDecision>;
}
