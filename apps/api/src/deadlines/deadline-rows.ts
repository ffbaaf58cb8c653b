import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';
import type { DeadlineSubject } from './deadline-handler.js';

/**
 * Writing deadline rows of any subject inside the caller's transaction. Starting a kind supersedes
 * the pending one of the same kind (one pending deadline per subject and kind); the returned
 * deadline is armed after commit.
 */
export async function startDeadline(
  manager: EntityManager,
  subject: { type: DeadlineSubject; id: string },
  kind: string,
  dueAt: Date,
  now: Date,
  step: number | null = null,
): Promise<DeadlineToArm> {
  await manager.query(
    `UPDATE deadlines SET status = 'superseded', resolved_at = $4 WHERE subject_type = $1 AND subject_id = $2 AND kind = $3 AND status = 'pending'`,
    [subject.type, subject.id, kind, now],
  );
  const id = randomUUID();
  await manager.query(
    `INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, step, due_at, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)`,
    [id, subject.type, subject.id, subject.type === 'incident' ? subject.id : null, kind, step, dueAt, now],
  );
  return { id, dueAt };
}

/**
 * Ends the pending deadlines of the given kinds: `met` when the work was done in time, else
 * `cancelled`. Work done (`met`) also dates the breached deadlines of those kinds still undone:
 * they stay breached, and say when the work came, late.
 */
export async function endDeadlines(
  manager: EntityManager,
  subject: { type: DeadlineSubject; id: string },
  kinds: string[],
  status: 'met' | 'cancelled',
  now: Date,
): Promise<void> {
  await manager.query(
    `UPDATE deadlines SET status = $4, resolved_at = $5, met_at = CASE WHEN $4 = 'met' THEN $5::timestamptz END
      WHERE subject_type = $1 AND subject_id = $2 AND kind = ANY($3) AND status = 'pending'`,
    [subject.type, subject.id, kinds, status, now],
  );
  if (status === 'met')
    await manager.query(
      `UPDATE deadlines SET met_at = $4 WHERE subject_type = $1 AND subject_id = $2 AND kind = ANY($3) AND status = 'breached' AND met_at IS NULL`,
      [subject.type, subject.id, kinds, now],
    );
}

export interface DeadlineView {
  kind: string;
  step?: number;
  dueAt: string;
  status: string;
  lateByMs?: number;
  metAt?: string;
}

/** A subject's deadlines for its API view (superseded ones are history, not shown). */
export async function deadlinesOf(manager: EntityManager, subject: { type: DeadlineSubject; id: string }): Promise<DeadlineView[]> {
  return (await deadlinesOfEach(manager, subject.type, [subject.id])).get(subject.id) ?? [];
}

/** The deadlines of several subjects of one type, in one query (list pages), by subject id. */
export async function deadlinesOfEach(manager: EntityManager, type: DeadlineSubject, ids: readonly string[]): Promise<Map<string, DeadlineView[]>> {
  const byId = new Map<string, DeadlineView[]>(ids.map((id) => [id, []]));
  if (!ids.length) return byId;
  const rows: Array<{
    subject_id: string;
    kind: string;
    step: number | null;
    due_at: Date;
    status: string;
    late_by_ms: string | null;
    met_at: Date | null;
  }> = await manager.query(
    `SELECT subject_id, kind, step, due_at, status, late_by_ms::text, met_at FROM deadlines
      WHERE subject_type = $1 AND subject_id = ANY($2::uuid[]) AND status <> 'superseded' ORDER BY due_at, kind, created_at, id`,
    [type, ids],
  );
  for (const d of rows) {
    byId.get(d.subject_id)?.push({
      kind: d.kind,
      ...(d.step !== null ? { step: d.step } : {}),
      dueAt: d.due_at.toISOString(),
      status: d.status,
      ...(d.late_by_ms !== null ? { lateByMs: Number(d.late_by_ms) } : {}),
      ...(d.met_at !== null ? { metAt: d.met_at.toISOString() } : {}),
    });
  }
  return byId;
}
