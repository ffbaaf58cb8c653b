import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, type ConsoleSession } from '../api/client.ts';

export const SESSION_KEY = ['console-session'] as const;

/** The signed-in session (null: signed out or ended), from the cookie the page cannot read. */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<ConsoleSession | null> => {
      const { data, error, response } = await api.GET('/api/auth/console-session');
      if (response.status === 401) return null;
      if (!response.ok || !data) throw error ?? new Error(String(response.status));
      return data;
    },
    retry: false,
    staleTime: 60_000,
  });
}

export function setSession(client: QueryClient, session: ConsoleSession | null): void {
  client.setQueryData(SESSION_KEY, session);
}
