import { api, type Incident } from '../api/client.ts';
import type { components } from '../../../../libs/api-types/openapi.d.ts';

export type ComplianceReport = components['schemas']['ComplianceReport'];
export type ComplianceFigures = components['schemas']['ComplianceFigures'];
export type LateClock = components['schemas']['LateClock'];
export type Agency = components['schemas']['Agency'];
export type AuditRecord = components['schemas']['AuditRecord'];
export type AuditVerification = components['schemas']['AuditVerification'];

export async function fetchCompliance(agencyId: string | undefined, year: string | undefined): Promise<ComplianceReport> {
  const { data, error } = await api.GET('/api/reports/compliance', { params: { query: { agencyId, year } } });
  if (!data) throw error;
  return data;
}

export async function fetchResponseTimes(agencyId: string | undefined, from: string, to: string) {
  const { data, error } = await api.GET('/api/reports/response-times', { params: { query: { agencyId, from, to } } });
  if (!data) throw error;
  return data;
}
export type ResponseTimes = Awaited<ReturnType<typeof fetchResponseTimes>>;

/** Every agency the caller can see (all pages), by code. */
export async function fetchVisibleAgencies(): Promise<Agency[]> {
  const items: Agency[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/agencies', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export interface IncidentListFilters {
  agencyId?: string;
  open?: 'true' | 'false';
}

/** One page of the incident list (newest first). */
export async function fetchIncidentPage(filters: IncidentListFilters, cursor: string | undefined): Promise<{ items: Incident[]; nextCursor: string | null }> {
  const { data, error } = await api.GET('/api/incidents', { params: { query: { limit: 50, ...filters, cursor } } });
  if (!data) throw error;
  return { items: data.items, nextCursor: data.nextCursor ?? null };
}

/** The same list as a CSV file: a plain link, so the browser downloads it with the session cookie. */
export function incidentCsvHref(filters: IncidentListFilters): string {
  const search = new URLSearchParams({ format: 'csv' });
  for (const [key, value] of Object.entries(filters)) if (value) search.set(key, value);
  return `/api/incidents?${search.toString()}`;
}
