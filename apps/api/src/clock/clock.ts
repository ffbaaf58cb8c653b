/**
 * The one clock. Everything that needs "now" injects Clock, so tests and drills move time
 * instead of sleeping. Times are UTC instants; presentation converts to the agency's zone.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to: for tests and for rehearsing deadlines in drills. */
export class ManualClock extends Clock {
  private current: number;

  constructor(start: Date | string = '2026-03-02T01:00:00.000Z') {
    super();
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    if (ms < 0) throw new Error('a clock does not run backwards');
    this.current += ms;
    return this.now();
  }

  set(to: Date | string): Date {
    this.current = new Date(to).getTime();
    return this.now();
  }
}
