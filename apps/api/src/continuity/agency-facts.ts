import type { EntityManager } from 'typeorm';
import type { ResponsibilityLevel } from '../agencies/agency.entity.js';

export interface AgencyFacts {
  id: string;
  code: string;
  timezone: string;
  responsibilityLevel: ResponsibilityLevel;
}

/** The agency data continuity decisions depend on: code (references), time zone, responsibility level. */
export async function agencyFacts(manager: EntityManager, agencyId: string): Promise<AgencyFacts> {
  const rows: Array<{ id: string; code: string; timezone: string; responsibility_level: ResponsibilityLevel }> = await manager.query(
    'SELECT id, code, timezone, responsibility_level FROM agencies WHERE id = $1',
    [agencyId],
  );
  const a = rows[0];
  if (!a) throw new Error(`agency ${agencyId} not found`);
  return { id: a.id, code: a.code, timezone: a.timezone, responsibilityLevel: a.responsibility_level };
}
