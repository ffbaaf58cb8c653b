import type { EntityManager } from 'typeorm';
import { endDeadlines, startDeadline } from '../deadlines/deadline-rows.js';
import type { DeadlineToArm } from '../incidents/deadline-scheduler.js';
import { enqueueNotification, type NotificationPayload } from '../notifications/outbox.js';
import type { AudienceEntry } from '../notifications/recipients.js';

/** The effect descriptions the incident and drill machines return (the same shapes for both). */
export type MachineEffect =
  | { type: 'notify'; params: { template: string; audience: unknown[] } }
  | { type: 'startDeadline'; params: { kind: string; dueAt: string; step?: number } }
  | { type: 'meetDeadline'; params: { kind: string } }
  | { type: 'cancelDeadlines'; params: { kinds: string[] } }
  | { type: 'timeline'; params: { entry: string; data: Record<string, unknown> } };

/** Each workflow's timeline table, append-only. */
const TIMELINES = {
  incident: `INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, $2, $3, $4, $5)`,
  drill: `INSERT INTO drill_timeline (drill_id, at, actor_id, entry, data) VALUES ($1, $2, $3, $4, $5)`,
} as const;

export interface EffectContext {
  subject: { type: keyof typeof TIMELINES; id: string };
  agencyId: string;
  actorId: string | null;
  now: Date;
  /** What a notification may carry (reference, state, classification; never confidential text), read once when first needed. */
  payload: () => NotificationPayload | Promise<NotificationPayload>;
}

/**
 * Carries out a machine's effect descriptions as rows, inside the transition's transaction:
 * deadlines (start, meet, cancel), outbox notification intents, timeline entries. Returns the new
 * deadlines to arm once the transaction has committed. The machine decides; this only persists.
 */
export async function writeEffects(manager: EntityManager, effects: readonly MachineEffect[], ctx: EffectContext): Promise<DeadlineToArm[]> {
  const toArm: DeadlineToArm[] = [];
  let payload: NotificationPayload | undefined;
  for (const effect of effects) {
    switch (effect.type) {
      case 'startDeadline':
        toArm.push(await startDeadline(manager, ctx.subject, effect.params.kind, new Date(effect.params.dueAt), ctx.now, effect.params.step ?? null));
        break;
      case 'meetDeadline':
        await endDeadlines(manager, ctx.subject, [effect.params.kind], 'met', ctx.now);
        break;
      case 'cancelDeadlines':
        await endDeadlines(manager, ctx.subject, effect.params.kinds, 'cancelled', ctx.now);
        break;
      case 'notify':
        payload ??= await ctx.payload();
        await enqueueNotification(manager, {
          agencyId: ctx.agencyId,
          aggregateType: ctx.subject.type,
          aggregateId: ctx.subject.id,
          template: effect.params.template,
          audience: effect.params.audience as AudienceEntry[],
          payload,
          now: ctx.now,
        });
        break;
      case 'timeline':
        await manager.query(TIMELINES[ctx.subject.type], [ctx.subject.id, ctx.now, ctx.actorId, effect.params.entry, JSON.stringify(effect.params.data)]);
        break;
    }
  }
  return toArm;
}
