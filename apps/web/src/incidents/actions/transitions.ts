import { api } from '../../api/client.ts';

/** The events the caller may send now (GET …/transitions), for the buttons and to recheck after a 409. */
export async function fetchTransitions(id: string) {
  const { data, error } = await api.GET('/api/incidents/{id}/transitions', { params: { path: { id } } });
  if (!data) throw error;
  return data;
}

export const transitionsKey = (id: string) => ['incident-transitions', id] as const;
