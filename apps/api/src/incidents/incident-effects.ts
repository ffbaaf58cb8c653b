import { randomUUID } from 'node:crypto';
import type { IncidentEffect } from '@app/workflows';
import type { EntityManager } from 'typeorm';
import type { DeadlineToArm } from './deadline-scheduler.js';

export interface EffectContext {
  incidentId: string;
  agencyId: string;
  reference: string;
  actorId: string | null;
  now: Date;
  /** What a notification may carry: ids, reference, level, state — never confidential details. */
  payload: Record<string, unknown>;
}

/**
 * Carries out the machine's effect descriptions as rows, inside the transition's transaction:
 * deadlines (start, meet, cancel), outbox notification intents, timeline entries. Returns the new
 * deadlines to arm once the transaction has committed.
 */
export async function writeEffects(manager: EntityManager, effects: IncidentEffect[], ctx: EffectContext): Promise<DeadlineToArm[]> {
  const toArm: DeadlineToArm[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'startDeadline': {
        const { kind, dueAt, step } = effect.params;
        await manager.query(`UPDATE deadlines SET status = 'superseded', resolved_at = $3 WHERE incident_id = $1 AND kind = $2 AND status = 'pending'`, [
          ctx.incidentId,
          kind,
          ctx.now,
        ]);
        const id = randomUUID();
        await manager.query(
          `INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, step, due_at, status, created_at) VALUES ($1, 'incident', $2, $2, $3, $4, $5, 'pending', $6)`,
          [id, ctx.incidentId, kind, step ?? null, dueAt, ctx.now],
        );
        toArm.push({ id, dueAt: new Date(dueAt) });
        break;
      }
      case 'meetDeadline':
        await manager.query(`UPDATE deadlines SET status = 'met', resolved_at = $3 WHERE incident_id = $1 AND kind = $2 AND status = 'pending'`, [
          ctx.incidentId,
          effect.params.kind,
          ctx.now,
        ]);
        break;
      case 'cancelDeadlines':
        await manager.query(`UPDATE deadlines SET status = 'cancelled', resolved_at = $3 WHERE incident_id = $1 AND kind = ANY($2) AND status = 'pending'`, [
          ctx.incidentId,
          effect.params.kinds,
          ctx.now,
        ]);
        break;
      case 'notify':
        await manager.query(
          `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, 'incident', $3, $4, $5, $6, $7)`,
          [randomUUID(), ctx.agencyId, ctx.incidentId, effect.params.template, JSON.stringify(effect.params.audience), JSON.stringify(ctx.payload), ctx.now],
        );
        break;
      case 'timeline':
        await manager.query(`INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, $2, $3, $4, $5)`, [
          ctx.incidentId,
          ctx.now,
          ctx.actorId,
          effect.params.entry,
          JSON.stringify(effect.params.data),
        ]);
        break;
    }
  }
  return toArm;
}
