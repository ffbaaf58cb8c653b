import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { DRILL_TYPES as WORKFLOW_DRILL_TYPES } from '../../../../libs/workflows/src/continuity/drill.events.ts';
import { HAZARDS as PLAN_HAZARDS, PROCEDURE_PHASES } from '../../../../libs/workflows/src/continuity/plan-vocabulary.ts';
import { DATA_LEVELS as CLASSIFICATION_DATA_LEVELS, TLP_LABELS } from '../../../../libs/workflows/src/incident/classification.ts';
import { api } from '../api/client.ts';

/** Reads of the continuity pages, through the typed client only (types come from the generated document). */

export type Plan = components['schemas']['Plan'];
export type PlanDocument = components['schemas']['PlanDocument'];
export type PlanImpactRow = components['schemas']['PlanImpactRow'];
export type PlanProcedure = components['schemas']['PlanProcedure'];
export type PlanContact = components['schemas']['PlanContact'];
export type PlanScopeEntry = components['schemas']['PlanScopeEntry'];
export type ProgrammeView = components['schemas']['ProgrammeView'];
export type Drill = components['schemas']['Drill'];
export type PlanDiff = components['schemas']['PlanDiff'];
export type Hazard = PlanImpactRow['hazard'];
export type Phase = PlanProcedure['phase'];
export type PlanRole = NonNullable<PlanProcedure['responsibleRole']>;
export type DrillType = Drill['drillType'];
export type Tlp = PlanDocument['classification']['tlp'];
export type DataLevel = PlanDocument['classification']['dataLevel'];

export const HAZARDS: readonly Hazard[] = PLAN_HAZARDS;
export const PHASES: readonly Phase[] = PROCEDURE_PHASES;
export const PLAN_ROLES: readonly PlanRole[] = [
  'continuity_coordinator',
  'ciso',
  'on_call_manager',
  'responder',
  'ethics_officer',
  'reporter',
  'auditor',
  'admin',
  'vendor',
];
export const DRILL_TYPES: readonly DrillType[] = WORKFLOW_DRILL_TYPES;
export const TLPS: readonly Tlp[] = TLP_LABELS;
export const DATA_LEVELS: readonly DataLevel[] = CLASSIFICATION_DATA_LEVELS;

export const planKeys = {
  all: ['plans'] as const,
  list: () => ['plans', 'list'] as const,
  one: (id: string) => ['plans', id] as const,
  versions: (id: string) => ['plans', id, 'versions'] as const,
  diff: (id: string, from: number, to: number) => ['plans', id, 'diff', from, to] as const,
  programme: (id: string) => ['plans', id, 'programme'] as const,
  drills: (from: string, to: string) => ['drills', 'range', from, to] as const,
};

/** Every plan the caller may see (all pages). */
export async function fetchPlans() {
  const items: Plan[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/continuity/plans', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export async function fetchPlan(id: string) {
  const { data, error } = await api.GET('/api/continuity/plans/{id}', { params: { path: { id } } });
  if (!data) throw error;
  return data;
}

export async function fetchVersions(id: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/continuity/plans/{id}/versions', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
export type PlanVersionSummary = Awaited<ReturnType<typeof fetchVersions>>[number];

export async function fetchDiff(id: string, from: number, to: number) {
  const { data, error } = await api.GET('/api/continuity/plans/{id}/diff', { params: { path: { id }, query: { from, to } } });
  if (!data) throw error;
  return data;
}

/** The plan's programme, or null when it has none yet (the API answers 404). */
export async function fetchProgramme(id: string): Promise<ProgrammeView | null> {
  const { data, error, response } = await api.GET('/api/continuity/plans/{id}/programme', { params: { path: { id } } });
  if (response.status === 404) return null;
  if (!data) throw error;
  return data;
}

/** Drills scheduled in [from, to) (all pages). */
export async function fetchDrills(from: string, to: string) {
  const items: Drill[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/drills', { params: { query: { limit: 200, from, to, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The agencies the caller may see, by id (names and time zones of the plans' agencies). */
export async function fetchAgencies() {
  const byId = new Map<string, { name: string; code: string; timezone: string }>();
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/agencies', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    for (const a of data.items) byId.set(a.id, { name: a.name, code: a.code, timezone: a.timezone });
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return byId;
}

/** The units of the caller's agencies (a procedure step may name one as responsible). */
export async function fetchUnits() {
  const items: Array<{ id: string; name: string; agencyId: string }> = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/units', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    for (const u of data.items) items.push({ id: u.id, name: u.name, agencyId: u.agencyId });
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
