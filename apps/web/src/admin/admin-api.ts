import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api } from '../api/client.ts';

export type User = components['schemas']['User'];
export type CreateUser = components['schemas']['CreateUser'];
export type UpdateUser = components['schemas']['UpdateUser'];
export type Unit = components['schemas']['Unit'];
export type Agency = components['schemas']['Agency'];
export type AgencyPolicy = components['schemas']['AgencyPolicy'];
export type AgencyPolicyView = components['schemas']['AgencyPolicyView'];
export type Schedule = components['schemas']['OnCallSchedule'];
export type CreateSchedule = components['schemas']['CreateSchedule'];
export type Webhook = components['schemas']['Webhook'];
export type Role = User['roles'][number];

export const ROLES: readonly Role[] = [
  'reporter',
  'responder',
  'on_call_manager',
  'ethics_officer',
  'ciso',
  'continuity_coordinator',
  'auditor',
  'admin',
  'vendor',
];
export const UNIT_TYPES: ReadonlyArray<Unit['type']> = ['it', 'business', 'ethics', 'leadership', 'other'];
export const LEVELS: ReadonlyArray<Agency['responsibilityLevel']> = ['A', 'B', 'C', 'D', 'E'];
export const TARGETS: ReadonlyArray<AgencyPolicy['escalation']['steps'][number]['target']> = ['on_call_manager', 'it_unit_head', 'ciso', 'deputy_head'];

/** Every item of a paged list (the API pages by cursor, 200 at most a page). */
async function all<T>(page: (cursor: string | undefined) => Promise<{ data?: { items: T[]; nextCursor?: string | null }; error?: unknown }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await page(cursor);
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The full records of the accounts the admin manages (admins read full records, never the directory entries). */
export async function fetchUsers(): Promise<User[]> {
  const items = await all((cursor) => api.GET('/api/users', { params: { query: { limit: 200, cursor } } }));
  return items.filter((u): u is User => 'roles' in u);
}

export function fetchUnits(): Promise<Unit[]> {
  return all((cursor) => api.GET('/api/units', { params: { query: { limit: 200, cursor } } }));
}

export function fetchAgencies(): Promise<Agency[]> {
  return all((cursor) => api.GET('/api/agencies', { params: { query: { limit: 200, cursor } } }));
}

export function fetchSchedules(): Promise<Schedule[]> {
  return all((cursor) => api.GET('/api/on-call/schedules', { params: { query: { limit: 200, cursor } } }));
}

export function fetchWebhooks(): Promise<Webhook[]> {
  return all((cursor) => api.GET('/api/webhooks', { params: { query: { limit: 200, cursor } } }));
}

export async function fetchPolicy(agencyId: string): Promise<AgencyPolicyView> {
  const { data, error } = await api.GET('/api/agencies/{id}/policy', { params: { path: { id: agencyId } } });
  if (!data) throw error;
  return data;
}
