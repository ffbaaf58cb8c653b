import { DateTime } from 'luxon';

/**
 * Who is on call: pure resolution of a schedule at an instant, in the schedule's time zone.
 * A schedule has layers (later layers sit on top of earlier ones) and overrides (which win over
 * every layer while they last). A layer rotates its participants daily or weekly, handing off at
 * a local time (and, weekly, on a weekday), counted from the layer's start.
 */
export interface RotationLayer {
  rotation: 'daily' | 'weekly';
  /** Local hand-off time, HH:mm. */
  handoffTime: string;
  /** ISO weekday of a weekly hand-off, 1 = Monday … 7 = Sunday. */
  handoffWeekday?: number;
  /** When the rotation starts (the first participant's shift contains this instant). */
  startsAt: string;
  /** Optional end of the layer. */
  endsAt?: string | null;
  participants: string[];
}

export interface Override {
  userId: string;
  startsAt: string;
  endsAt: string;
}

export interface Schedule {
  timezone: string;
  layers: RotationLayer[];
  overrides: Override[];
}

export interface Shift {
  userId: string;
  startsAt: string;
  endsAt: string;
  source: 'override' | 'layer';
  layer?: number;
}

const ms = (iso: string) => DateTime.fromISO(iso).toMillis();

/** The hand-off instant at or before `at` (local time rules, so DST and zones are respected). */
function lastHandoff(layer: RotationLayer, at: DateTime): DateTime {
  const [hour, minute] = layer.handoffTime.split(':').map(Number) as [number, number];
  let candidate = at.set({ hour, minute, second: 0, millisecond: 0 });
  if (layer.rotation === 'weekly') {
    const weekday = layer.handoffWeekday ?? 1;
    candidate = candidate.plus({ days: (weekday - candidate.weekday + 7) % 7 });
    while (candidate > at) candidate = candidate.minus({ weeks: 1 });
  } else {
    while (candidate > at) candidate = candidate.minus({ days: 1 });
  }
  return candidate;
}

function step(layer: RotationLayer): { days?: number; weeks?: number } {
  return layer.rotation === 'weekly' ? { weeks: 1 } : { days: 1 };
}

/** The layer's shift at an instant, or undefined when the layer is not running. */
export function layerShift(layer: RotationLayer, atIso: string, zone: string): Omit<Shift, 'source'> | undefined {
  if (!layer.participants.length) return undefined;
  const at = DateTime.fromISO(atIso, { zone });
  const start = DateTime.fromISO(layer.startsAt, { zone });
  if (at < start || (layer.endsAt && at >= DateTime.fromISO(layer.endsAt, { zone }))) return undefined;
  const current = lastHandoff(layer, at);
  const first = lastHandoff(layer, start);
  // Shifts since the rotation began (hand-offs between the first and the current one).
  const unit = layer.rotation === 'weekly' ? 'weeks' : 'days';
  const index = Math.round(current.startOf('minute').diff(first.startOf('minute'), unit).get(unit));
  const userId = layer.participants[((index % layer.participants.length) + layer.participants.length) % layer.participants.length]!;
  const shiftStart = current < start ? start : current;
  let shiftEnd = current.plus(step(layer));
  if (layer.endsAt && shiftEnd > DateTime.fromISO(layer.endsAt, { zone })) shiftEnd = DateTime.fromISO(layer.endsAt, { zone });
  return { userId, startsAt: shiftStart.toUTC().toISO()!, endsAt: shiftEnd.toUTC().toISO()! };
}

/** Who is on call at an instant: the latest override covering it, else the top running layer. */
export function onCallAt(schedule: Schedule, atIso: string): Shift | undefined {
  const at = ms(atIso);
  const override = [...schedule.overrides].reverse().find((o) => ms(o.startsAt) <= at && at < ms(o.endsAt));
  if (override) return { userId: override.userId, startsAt: override.startsAt, endsAt: override.endsAt, source: 'override' };
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const shift = layerShift(schedule.layers[i]!, atIso, schedule.timezone);
    if (shift) return { ...shift, source: 'layer', layer: i };
  }
  return undefined;
}

/** The shifts between two instants (a calendar of who is on call), overrides cut in. */
export function shiftsBetween(schedule: Schedule, fromIso: string, toIso: string, maxShifts = 1000): Shift[] {
  const shifts: Shift[] = [];
  let cursor = fromIso;
  const end = ms(toIso);
  while (ms(cursor) < end && shifts.length < maxShifts) {
    const shift = onCallAt(schedule, cursor);
    // The next change: the end of this shift, or the start of an override that cuts in first.
    const nextOverride = schedule.overrides.map((o) => ms(o.startsAt)).filter((t) => t > ms(cursor) && (!shift || t < ms(shift.endsAt)));
    const shiftEnd = shift
      ? ms(shift.endsAt)
      : Math.min(end, ...schedule.layers.map((l) => ms(l.startsAt)).filter((t) => t > ms(cursor)), Number.POSITIVE_INFINITY);
    const next = Math.min(shiftEnd, ...nextOverride, end);
    if (shift) shifts.push({ ...shift, startsAt: new Date(Math.max(ms(shift.startsAt), ms(cursor))).toISOString(), endsAt: new Date(next).toISOString() });
    if (!Number.isFinite(next) || next <= ms(cursor)) break;
    cursor = new Date(next).toISOString();
  }
  return shifts;
}
