import { RRule } from 'rrule';
import { fromLocalInput, toLocalInput } from '../time/format.ts';
import type { DrillType } from './plan-api.ts';

/**
 * The drill programme form's rule: yearly (month + day) or monthly (day) at a time of day, built as
 * the RRULE the API takes, `DTSTART;TZID=<agency zone>:<today at that time>` then the rule, and its
 * next occurrences for the preview. The rule is expanded in floating wall-clock time (Dates whose
 * UTC fields are the agency's local date and time), as the API does, and each occurrence is then
 * read as a real instant in the agency's zone, so the preview is right whatever zone the browser is in.
 */

export type Frequency = 'yearly' | 'monthly';

export interface ProgrammeDraft {
  frequency: Frequency;
  /** 1–12 (yearly only). */
  month: number;
  /** 1–31. */
  day: number;
  /** HH:mm in the agency's zone. */
  time: string;
  drillType: DrillType;
  reminders: string[];
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function timeParts(time: string): [number, number] {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  return m ? [Number(m[1]), Number(m[2])] : [9, 0];
}

/** Today's date in the zone as YYYYMMDD. */
function today(now: Date, timeZone: string): string {
  return toLocalInput(now, timeZone).slice(0, 10).replaceAll('-', '');
}

/** The RRULE text the API takes. */
export function buildRrule(draft: ProgrammeDraft, timeZone: string, now: Date): string {
  const [hour, minute] = timeParts(draft.time);
  const start = `DTSTART;TZID=${timeZone}:${today(now, timeZone)}T${pad(hour)}${pad(minute)}00`;
  const rule = draft.frequency === 'yearly' ? `RRULE:FREQ=YEARLY;BYMONTH=${draft.month};BYMONTHDAY=${draft.day}` : `RRULE:FREQ=MONTHLY;BYMONTHDAY=${draft.day}`;
  return `${start}\n${rule}`;
}

/** The next `count` occurrences after `now`, as instants (ISO), expanded in the agency's zone. */
export function nextOccurrences(draft: ProgrammeDraft, timeZone: string, now: Date, count = 5): string[] {
  const [hour, minute] = timeParts(draft.time);
  const local = toLocalInput(now, timeZone); // YYYY-MM-DDTHH:mm, the agency's wall clock now
  const [y, mo, d] = local.slice(0, 10).split('-').map(Number) as [number, number, number];
  const floatingNow = Date.UTC(y, mo - 1, d, Number(local.slice(11, 13)), Number(local.slice(14, 16)));
  const rule = new RRule({
    freq: draft.frequency === 'yearly' ? RRule.YEARLY : RRule.MONTHLY,
    dtstart: new Date(Date.UTC(y, mo - 1, d, hour, minute, 0)),
    ...(draft.frequency === 'yearly' ? { bymonth: [draft.month] } : {}),
    bymonthday: [draft.day],
  });
  const out: string[] = [];
  let after = new Date(floatingNow);
  for (let i = 0; i < 100 && out.length < count; i++) {
    const next = rule.after(after, false);
    if (!next) break;
    after = next;
    const wall = `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}T${pad(next.getUTCHours())}:${pad(next.getUTCMinutes())}`;
    const instant = fromLocalInput(wall, timeZone);
    if (instant) out.push(new Date(instant).toISOString());
  }
  return out;
}

/** The form's reading of a stored programme (`DTSTART;TZID=…:…\nRRULE:…`): parts the rule leaves open come from DTSTART. */
export function draftOf(programme: { rrule: string; drillType: DrillType; reminders: string[] } | null | undefined, fallback: ProgrammeDraft): ProgrammeDraft {
  if (!programme) return fallback;
  const lines = programme.rrule.split(/\r?\n/);
  const start = lines.map((l) => /^DTSTART[^:]*:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})/i.exec(l.trim())).find(Boolean);
  const ruleLine =
    lines
      .find((l) => /^RRULE:/i.test(l.trim()))
      ?.trim()
      .slice(6) ?? '';
  const parts = Object.fromEntries(
    ruleLine
      .split(';')
      .map((p) => p.split('='))
      .filter((kv) => kv.length === 2)
      .map(([k, v]) => [k!.toUpperCase(), v!]),
  );
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
  const hour = num(parts.BYHOUR) ?? (start ? Number(start[4]) : 9);
  const minute = num(parts.BYMINUTE) ?? (start ? Number(start[5]) : 0);
  return {
    frequency: parts.FREQ === 'MONTHLY' ? 'monthly' : 'yearly',
    month: num(parts.BYMONTH) ?? (start ? Number(start[2]) : fallback.month),
    day: num(parts.BYMONTHDAY) ?? (start ? Number(start[3]) : fallback.day),
    time: `${pad(hour)}:${pad(minute)}`,
    drillType: programme.drillType,
    reminders: programme.reminders,
  };
}
