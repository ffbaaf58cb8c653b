/**
 * Times as the console shows them: absolute, in the agency's zone, with the zone, whatever zone
 * the browser is in: `2026-03-02 09:00 (UTC+8)`.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Taipei';

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one (the board formats hundreds of clocks). */
function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formats.set(timeZone, format);
  }
  return format;
}

function parts(date: Date, timeZone: string): Record<string, string> {
  return Object.fromEntries(
    formatOf(timeZone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
}

/** `UTC+8`, `UTC+5:30`, `UTC` for the zone's offset at that instant. */
export function zoneLabel(date: Date, timeZone: string): string {
  const name = parts(date, timeZone).timeZoneName ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return 'UTC';
  const [, sign, hours, minutes] = match;
  return `UTC${sign}${Number(hours)}${minutes === '00' ? '' : `:${minutes}`}`;
}

const formatted = new Map<string, string>();

/** `2026-03-02 09:00 (UTC+8)`. Remembered per instant and zone (due times are shown again every second). */
export function formatInstant(value: string | Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  const key = `${date.getTime()} ${timeZone}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const p = parts(date, timeZone);
  const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} (${zoneLabel(date, timeZone)})`;
  if (formatted.size > 5000) formatted.clear();
  formatted.set(key, text);
  return text;
}

/** The value of an `<input type="datetime-local">` for the instant in the zone: `2026-03-02T09:00`. */
export function toLocalInput(date: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * The RFC 3339 instant (with the zone's offset) of a wall-clock `YYYY-MM-DDTHH:mm` in the zone, as the
 * API wants it: `2026-03-02T09:00:00+08:00`. The offset is the zone's at that wall time.
 */
export function fromLocalInput(local: string, timeZone: string = DEFAULT_TIME_ZONE): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The offset at the guess, then at the corrected instant (enough for any zone's single transition).
  let instant = wall;
  for (let i = 0; i < 2; i++) instant = wall - offsetMinutes(new Date(instant), timeZone) * 60_000;
  const offset = offsetMinutes(new Date(instant), timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function offsetMinutes(date: Date, timeZone: string): number {
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(parts(date, timeZone).timeZoneName ?? '');
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}
