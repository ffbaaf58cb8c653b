import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api, type Problem } from '../api/client.ts';
import type { EventFailure } from '../shell/EventRefusal.tsx';

/** Reads and writes of the drill page, through the typed client only. */

export type Drill = components['schemas']['Drill'];
export type DrillEvent = components['schemas']['DrillEvent'];
export type DrillEventType = DrillEvent['type'];
export type AfterActionReport = components['schemas']['AfterActionReport'];
export type DrillTimelineEntry = components['schemas']['DrillTimelineEntry'];

/** The query keys of a drill: all under ['drill', id], which the live stream invalidates on every change. */
export const drillKey = (id: string) => ['drill', id] as const;
export const drillTransitionsKey = (id: string, version: number) => ['drill', id, 'transitions', version] as const;
export const drillTimelineKey = (id: string, version: number) => ['drill', id, 'timeline', version] as const;

export async function fetchDrill(id: string): Promise<Drill> {
  const { data, error } = await api.GET('/api/drills/{id}', { params: { path: { id } } });
  if (!data) throw error;
  return data;
}

export async function fetchDrillTransitions(id: string) {
  const { data, error } = await api.GET('/api/drills/{id}/transitions', { params: { path: { id } } });
  if (!data) throw error;
  return data.allowedEvents;
}

/** The whole timeline, oldest first. */
export async function fetchDrillTimeline(id: string): Promise<DrillTimelineEntry[]> {
  const items: DrillTimelineEntry[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/drills/{id}/timeline', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export async function fetchDrillNotifications(id: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/drills/{id}/notifications', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export type Failure = EventFailure;

/** Sends one event based on the version shown (If-Match: a second send of the same dialog meets a 409, never moves the drill twice); throws a Failure when refused. */
export async function sendDrillEvent(id: string, version: number, body: DrillEvent): Promise<Drill> {
  const { data, error, response } = await api.POST('/api/drills/{id}/events', {
    params: { path: { id }, header: { 'If-Match': `"${version}"` } },
    body,
  });
  if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
  return data;
}

/** People and units of an agency that can own a corrective action (`user:<id>` / `unit:<id>`), as the directory lets the caller see them. */
export async function fetchOwners(agencyId: string) {
  const [users, units] = await Promise.all([
    api.GET('/api/users', { params: { query: { agencyId, limit: 200 } } }),
    api.GET('/api/units', { params: { query: { agencyId, limit: 200 } } }),
  ]);
  return [
    ...(users.data?.items ?? []).map((u) => ({ value: `user:${u.id}`, label: `${u.name} <${u.email}>` })),
    ...(units.data?.items ?? []).map((u) => ({ value: `unit:${u.id}`, label: u.name })),
  ];
}
