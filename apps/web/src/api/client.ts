import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../../../libs/api-types/openapi.d.ts';

/**
 * The one client of the API, typed by the generated document only. The session is the HttpOnly cookie; no token passes through page code.
 * Answers are read as JSON: an operation that also offers another media type (the incident list as text/csv) is typed by its JSON.
 */
export const api = createClient<paths, `${string}/json`>({ baseUrl: window.location.origin, credentials: 'same-origin', headers: { 'X-IRBC-Console': '1' } });

export type Problem = components['schemas']['Problem'];
export type ConsoleSession = components['schemas']['ConsoleSession'];
export type CreateIncident = components['schemas']['CreateIncident'];
/** The header every console write carries (also sent by default; named where the document requires it). */
export const CONSOLE_HEADER = { 'X-IRBC-Console': '1' } as const;

let language = 'zh-TW';
let onUnauthenticated: (() => void) | undefined;

/** The caller's language for problem texts, and what to do when the session has ended. */
export function configureApi(options: { language: string; onUnauthenticated: () => void }): void {
  language = options.language;
  onUnauthenticated = options.onUnauthenticated;
}

const middleware: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', language);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/console-')) onUnauthenticated?.();
    return response;
  },
};
api.use(middleware);

/** The problem's detail (or title) for a refused request. */
export function problemText(error: unknown): string {
  const problem = error as Partial<Problem> | undefined;
  return problem?.detail ?? problem?.title ?? String(error);
}

/** The problem's field errors, by field. */
export function fieldErrors(error: unknown): Record<string, string> {
  const errors = (error as Partial<Problem> | undefined)?.errors ?? [];
  return Object.fromEntries(errors.map((e) => [e.field, e.message]));
}

/** Reads the pages use: the answer's body, or the problem thrown (for TanStack Query). */
export async function fetchIncident(id: string) {
  const { data, error } = await api.GET('/api/incidents/{id}', { params: { path: { id } } });
  if (!data) throw error;
  return data;
}
export type Incident = Awaited<ReturnType<typeof fetchIncident>>;
export type IncidentDeadline = Incident['deadlines'][number];

/** Every open incident the caller may see that matches: all pages (the board sorts by the clock due soonest, so none may be left out). */
export async function fetchIncidents(query: { state?: 'reported' | 'responding' | 'review'; level?: '1' | '2' | '3' | '4'; overdue?: 'true'; mine?: 'true' }) {
  const items: Incident[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents', { params: { query: { limit: 200, open: 'true', ...query, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
