import * as z from 'zod';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { seesSubordinates } from '../identity/roles.js';

/** One committed change, as the trigger notifies it (db/migrations/1765100000000-StreamChanges.ts). */
export interface StreamChange {
  type: 'incident' | 'drill';
  id: string;
  agencyId: string;
  version: number;
  /** Incidents: reported to the superior agency (its overseers see it from then on). Drills: always true. */
  reported: boolean;
}

/** What a client receives: ids and versions only, never content; it refetches what it may read. */
export const StreamChangeSchema = z
  .strictObject({
    type: z.enum(['incident', 'drill']),
    id: z.uuid(),
    agencyId: z.uuid(),
    version: z.int().min(1),
  })
  .meta({
    id: 'StreamChange',
    description:
      'The data of an `event: change` on GET /api/stream: a record the caller may see was committed at this version. Refetch it (GET /api/incidents/{id}, GET /api/drills/{id}) and the lists showing it.',
  });

/**
 * Whether the user may see the changed record, by the rules of GET /api/incidents and GET
 * /api/drills: an incident of its own agency, or of an agency in its oversight subtree once reported
 * (auditors: also before); a drill of any agency it sees. `visible` is the user's visible agencies.
 */
export function seesChange(user: Pick<AuthenticatedUser, 'agencyId' | 'roles'>, visible: readonly string[], change: StreamChange): boolean {
  if (change.agencyId === user.agencyId) return true;
  if (!visible.includes(change.agencyId)) return false;
  if (change.type === 'drill') return true;
  return seesSubordinates(user.roles) && (change.reported || user.roles.includes('auditor'));
}

/** The parsed notification payload, or undefined when it is not one. */
export function parseChange(payload: string | undefined): StreamChange | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<StreamChange>;
    if (
      (value.type === 'incident' || value.type === 'drill') &&
      typeof value.id === 'string' &&
      typeof value.agencyId === 'string' &&
      typeof value.version === 'number'
    )
      return { type: value.type, id: value.id, agencyId: value.agencyId, version: value.version, reported: value.reported !== false };
  } catch {
    // not JSON: ignored
  }
  return undefined;
}
