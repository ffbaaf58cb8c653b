import type { components } from '../../../../../libs/api-types/openapi.d.ts';
import { api, type Incident } from '../../api/client.ts';

/** Reads and writes of the incident panels, through the typed client only (types come from the generated document). */

/** Every notification intent of the incident, oldest first (all pages). */
export async function fetchNotifications(id: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents/{id}/notifications', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
export type NotificationItem = Awaited<ReturnType<typeof fetchNotifications>>[number];

/** Every evidence item with its chain of custody, in the order recorded (all pages). */
export async function fetchEvidence(id: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents/{id}/evidence', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
export type EvidenceItem = Awaited<ReturnType<typeof fetchEvidence>>[number];

export async function fetchTransitions(id: string) {
  const { data, error } = await api.GET('/api/incidents/{id}/transitions', { params: { path: { id } } });
  if (!data) throw error;
  return data.allowedEvents;
}

/** The user directory (id → name), for the people the API names by id. */
export async function fetchDirectory(): Promise<Map<string, { name: string; email: string }>> {
  const people = new Map<string, { name: string; email: string }>();
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/users', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    for (const u of data.items) people.set(u.id, { name: u.name, email: u.email });
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return people;
}

/** The events these panels send (generated types). */
export type EventBody = components['schemas']['IncidentAcknowledgeEvent'] | components['schemas']['IncidentAuthorityReviewedEvent'];

/** Sends a workflow event based on the version shown (If-Match); `stale` when someone acted first (409). */
export async function sendEvent(incident: Pick<Incident, 'id' | 'version'>, body: EventBody) {
  const { data, error, response } = await api.POST('/api/incidents/{id}/events', {
    params: { path: { id: incident.id }, header: { 'If-Match': String(incident.version) } },
    body,
  });
  return { incident: data, error, stale: response.status === 409, ok: response.ok };
}

/** SHA-256 of a file, in the browser (WebCrypto): the file itself never leaves the page. */
export async function sha256Of(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function newKey(): string {
  return crypto.randomUUID();
}
