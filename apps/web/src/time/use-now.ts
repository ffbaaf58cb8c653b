import { useSyncExternalStore } from 'react';

/*
 * One ticker for the whole page: every countdown reads the same second from one interval, instead
 * of each clock running its own (the board shows hundreds of clocks).
 */
let now = Date.now();
const listeners = new Set<() => void>();
let timer: number | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = window.setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (!listeners.size && timer !== undefined) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time, re-rendered every second (for countdowns). */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}

function snapshot(): number {
  // Before the first subscriber (or after the last left) the ticker is still: bring it up to date, a second at most stale.
  if (timer === undefined && Date.now() - now >= 1000) now = Date.now();
  return now;
}

/** A value computed from the current time, re-rendered only when it changes (a clock's status changes a few times, not every second). */
export function useNowDerived<T extends string | number | boolean>(derive: (now: number) => T): T {
  return useSyncExternalStore(subscribe, () => derive(snapshot()));
}
