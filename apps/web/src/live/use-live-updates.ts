import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { SESSION_KEY } from '../auth/session.ts';

type StreamChange = components['schemas']['StreamChange'];

/** How often pages refetch while the live stream is down (while it is up they do not poll). */
export const FALLBACK_POLL_MS = 30_000;

let open = false;
const listeners = new Set<() => void>();
function setOpen(next: boolean): void {
  if (open === next) return;
  open = next;
  for (const listener of listeners) listener();
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The query keys that show a changed record: the record itself (and what hangs under it: timeline, notifications) and the lists. */
export function keysOf(change: Pick<StreamChange, 'type' | 'id'>): readonly (readonly string[])[] {
  return change.type === 'incident' ? [['incident', change.id], ['incidents']] : [['drill', change.id], ['drills']];
}

function invalidate(client: QueryClient, change: StreamChange): void {
  for (const queryKey of keysOf(change)) void client.invalidateQueries({ queryKey });
}

/**
 * Keeps what the console shows current: one EventSource on GET /api/stream (the HttpOnly session
 * cookie goes with it) while someone is signed in. A change refetches the record's queries and the
 * lists; a resync, or the stream coming back after a break, refetches everything shown (changes
 * may have been missed meanwhile). While the stream is down the pages poll (useFallbackPolling).
 */
export function useLiveUpdates(enabled: boolean): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/stream', { withCredentials: true });
    let wasOpen = false;
    source.addEventListener('open', () => {
      if (wasOpen) void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
      wasOpen = true;
      setOpen(true);
    });
    source.addEventListener('error', () => setOpen(false));
    source.addEventListener('change', (event) => {
      try {
        invalidate(client, JSON.parse((event as MessageEvent<string>).data) as StreamChange);
      } catch {
        // a malformed event: the next resync or poll catches up
      }
    });
    source.addEventListener('resync', () => void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] }));
    source.addEventListener('end', () => {
      // The session ended (logout, expiry, disabled): stop; the next request meets the 401 and goes to the login.
      source.close();
      setOpen(false);
      void client.invalidateQueries({ queryKey: SESSION_KEY });
    });
    return () => {
      source.close();
      setOpen(false);
    };
  }, [enabled, client]);
}

/** `refetchInterval` for pages that show live records: none while the stream is up, a poll while it is down. */
export function useFallbackPolling(): number | false {
  const live = useSyncExternalStore(subscribe, () => open);
  return live ? false : FALLBACK_POLL_MS;
}
