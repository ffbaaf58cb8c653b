import type { EntityManager } from 'typeorm';

export interface StoredProgramme {
  rrule: string;
  timezone: string;
  drillType: 'tabletop' | 'functional' | 'full_scale';
  reminders: string[];
  afterActionWindow: string;
}

export interface PlanRow {
  id: string;
  agency_id: string;
  reference: string;
  title: string;
  tlp: string;
  data_level: string;
  current_version: number;
  review_due_at: Date;
  review_overdue: boolean;
  programme: StoredProgramme | null;
  programme_version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export async function lockPlan(manager: EntityManager, id: string): Promise<PlanRow | undefined> {
  const rows: PlanRow[] = await manager.query('SELECT * FROM continuity_plans WHERE id = $1 FOR UPDATE', [id]);
  return rows[0];
}

export async function findPlan(manager: EntityManager, id: string): Promise<PlanRow | undefined> {
  const rows: PlanRow[] = await manager.query('SELECT * FROM continuity_plans WHERE id = $1', [id]);
  return rows[0];
}
