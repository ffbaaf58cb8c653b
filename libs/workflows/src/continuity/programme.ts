/**
 * Drill programmes: when a plan's business-continuity drills happen, as an iCalendar RRULE
 * (RFC 5545), expanded with the `rrule` package. Pure policy code: no I/O, no clock (`now` is an
 * argument).
 *
 * Time zones. rrule's own TZID support converts through the host's local zone, so it is not used.
 * Rules are expanded in "floating" wall-clock time instead (JS Dates whose UTC fields are the
 * agency's local date and time, `tzid` unset), and every occurrence is turned into a real instant
 * in the agency's IANA zone with luxon. A drill at 09:00 stays at 09:00 local time across DST
 * changes. A wall-clock time that does not exist (clocks go forward) moves forward by the gap
 * (02:30 → 03:30); one that occurs twice (clocks go back) is the later one (luxon's choice).
 *
 * Accepted `rrule` input (case-insensitive names; one rule, lines separated by a newline):
 * - a bare rule `FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;BYHOUR=9` or `RRULE:FREQ=…`
 * - with a start: `DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY`,
 *   `DTSTART:20270315T010000Z\nRRULE:…` (UTC) or `DTSTART:20270315T090000\nRRULE:…` (floating,
 *   read in the agency's zone).
 * Choices:
 * - No DTSTART: the start is the day after `now` (in the agency's zone) at 09:00 local time; parts
 *   the rule leaves open (month, day, weekday, time) are taken from it, as RFC 5545 says.
 * - TZID: must name the agency's zone (aliases are resolved: `ROC` = `Asia/Taipei`); another zone
 *   is refused (`rruleTimezone`) because converting DTSTART alone would leave BYHOUR & co in the
 *   other zone. A UTC start (`…Z`) is converted to the agency's wall-clock time; together with
 *   BYHOUR/BYMINUTE/BYSECOND (which would be UTC hours) it is refused (`rruleTimezone`).
 * - Occurrences follow python-dateutil/rrule semantics: DTSTART anchors the rule and is itself an
 *   occurrence only when it matches the rule.
 * - The stored form is normalised: `DTSTART;TZID=<agency zone>:YYYYMMDDTHHMMSS\nRRULE:<parts>`.
 * - Supported parts: FREQ (YEARLY, MONTHLY, WEEKLY), INTERVAL, BYMONTH, BYMONTHDAY (not weekly),
 *   BYDAY (ordinals monthly/yearly), BYSETPOS (monthly/yearly), BYWEEKNO and BYYEARDAY (yearly),
 *   BYHOUR/BYMINUTE/BYSECOND (one value each: at most one drill a day), WKST. No COUNT/UNTIL.
 *
 * Bounds: every expansion stops at a limit (occurrences returned, occurrences inspected, years).
 */
import rrulePkg from 'rrule';
import type { Options, Weekday } from 'rrule';
import { DateTime, Duration, IANAZone } from 'luxon';
import { durationMillis } from './iso-duration.js';
import type { PlanFieldError } from './plan.js';
import { MAX_RRULE_LENGTH, PROGRAMME_DRILL_TYPES, ProgrammeInputSchema, type ProgrammeDrillType } from './programme.schema.js';
import { PLAN_RULES, schemaErrors } from './schema-issues.js';

export { MAX_REMINDER, MAX_REMINDERS, PROGRAMME_DRILL_TYPES, ProgrammeInputSchema, type ProgrammeDrillType, type ProgrammeInput } from './programme.schema.js';

const { RRule } = rrulePkg;
type Rule = InstanceType<typeof RRule>;

/** A is the highest responsibility level. */
export const RESPONSIBILITY_LEVELS = ['A', 'B', 'C', 'D', 'E'] as const;
export type ResponsibilityLevel = (typeof RESPONSIBILITY_LEVELS)[number];

/** The legal drill interval in years: every year for level A, every 2 years for the others. */
export const DRILL_INTERVAL_YEARS: Readonly<Record<ResponsibilityLevel, number>> = { A: 1, B: 2, C: 2, D: 2, E: 2 };
/**
 * Days of grace on the drill interval, so that yearly rules on a weekday ("the last Friday of
 * March": 364 or 371 days apart) or on the last day of February count as yearly.
 */
export const DRILL_INTERVAL_GRACE_DAYS = 7;

export const DEFAULT_REMINDERS: readonly string[] = ['P30D', 'P7D', 'P1D'];
export const DEFAULT_RRULE = 'FREQ=YEARLY';
/** `occurrencesBetween` returns at most this many occurrences (the earliest ones). */
export const MAX_OCCURRENCES = 1000;
/** Start time used when the rule has no DTSTART (local time, the day after `now`). */
export const DEFAULT_START_HOUR = 9;

export interface Programme {
  /** Normalised: `DTSTART;TZID=<zone>:YYYYMMDDTHHMMSS\nRRULE:…`. */
  rrule: string;
  /** The agency's IANA zone the rule is expanded in (canonical name). */
  timezone: string;
  drillType: ProgrammeDrillType;
  /** Longest first, no two of the same length. */
  reminders: string[];
}

export interface ProgrammeAgency {
  timezone: string;
  responsibilityLevel: ResponsibilityLevel;
}

/* ----------------------------------------------------------------------------------------------
 * Floating time
 * -------------------------------------------------------------------------------------------- */

/** The wall-clock fields of `dt` as a floating Date. */
function toFloating(dt: DateTime): Date {
  return new Date(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second));
}

/** The real instant of a floating Date in `zone`. */
function fromFloating(d: Date, zone: string): DateTime {
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() },
    { zone },
  );
}

function plusYearsFloating(d: Date, years: number): number {
  return DateTime.fromMillis(d.getTime(), { zone: 'utc' }).plus({ years }).toMillis();
}

function isoUtc(dt: DateTime): string {
  return dt.toUTC().toISO()!;
}

/** The canonical IANA name of a zone (`ROC` → `Asia/Taipei`), or null. */
function canonicalZone(zone: unknown): string | null {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return null;
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return IANAZone.isValidZone(name) ? name : null;
  } catch {
    return null;
  }
}

/* ----------------------------------------------------------------------------------------------
 * Parsing
 * -------------------------------------------------------------------------------------------- */

const FREQUENCIES = { YEARLY: RRule.YEARLY, MONTHLY: RRule.MONTHLY, WEEKLY: RRule.WEEKLY } as const;
type Freq = keyof typeof FREQUENCIES;
const WEEKDAYS: Record<string, Weekday> = { MO: RRule.MO, TU: RRule.TU, WE: RRule.WE, TH: RRule.TH, FR: RRule.FR, SA: RRule.SA, SU: RRule.SU };

interface RuleParts {
  freq: Freq;
  interval: number;
  bymonth?: number[];
  byweekno?: number[];
  byyearday?: number[];
  bymonthday?: number[];
  byday?: Array<{ n?: number; day: string }>;
  bysetpos?: number[];
  byhour?: number;
  byminute?: number;
  bysecond?: number;
  wkst?: string;
}

type Start = { kind: 'none' } | { kind: 'floating'; at: Date } | { kind: 'zoned'; at: Date; tzid: string } | { kind: 'utc'; at: Date };

interface ParsedRule {
  parts: RuleParts;
  canonical: string;
  start: Start;
}

const err = (field: string, rule: string, message: string): PlanFieldError => ({ field, rule, message });

function intList(value: string, min: number, max: number, signed: boolean): number[] | null {
  const items = value.split(',');
  if (items.length > 400) return null;
  const out: number[] = [];
  for (const item of items) {
    if (!/^[+-]?\d{1,3}$/.test(item)) return null;
    const n = Number(item);
    if (!signed && item.startsWith('-')) return null;
    if (n === 0 && signed) return null;
    if (Math.abs(n) < min || Math.abs(n) > max) return null;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Splits the text into a DTSTART and the rule, checking every part. Errors go to `errors`. */
function parseRuleText(text: string, errors: PlanFieldError[]): ParsedRule | null {
  const bad = (message: string, rule = 'rrule') => errors.push(err('rrule', rule, message));
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let startLine: string | undefined;
  let ruleLine: string | undefined;
  for (const line of lines) {
    if (/^DTSTART[;:]/i.test(line)) {
      if (startLine !== undefined) return (bad('only one DTSTART line is allowed'), null);
      startLine = line;
    } else if (/^RRULE:/i.test(line) || (/^[A-Za-z]+=/.test(line) && !line.includes(':'))) {
      if (ruleLine !== undefined) return (bad('only one RRULE is allowed'), null);
      ruleLine = line.replace(/^RRULE:/i, '');
    } else {
      return (bad('only a DTSTART line and an RRULE line are accepted (no RDATE, EXDATE, EXRULE)'), null);
    }
  }
  if (ruleLine === undefined) return (bad('the RRULE is missing (e.g. FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15)'), null);

  let start: Start = { kind: 'none' };
  if (startLine !== undefined) {
    const m = /^DTSTART(?:;TZID=([^;:]{1,64}))?(?:;VALUE=DATE-TIME)?:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i.exec(startLine);
    if (!m) return (bad('DTSTART must be a date-time such as DTSTART;TZID=Asia/Taipei:20270315T090000 or DTSTART:20270315T010000Z'), null);
    const [, tzid, y, mo, d, h, mi, s, z] = m;
    const fields = { year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s };
    const check = DateTime.fromObject(fields, { zone: 'utc' });
    if (!check.isValid || check.hour !== fields.hour || check.day !== fields.day) return (bad('DTSTART is not a valid date and time'), null);
    if (tzid !== undefined && z) return (bad('DTSTART has both a TZID and a UTC "Z"'), null);
    const at = toFloating(check);
    start = z ? { kind: 'utc', at } : tzid !== undefined ? { kind: 'zoned', at, tzid } : { kind: 'floating', at };
  }

  const body = ruleLine.toUpperCase().replace(/;+$/, '');
  const seen = new Set<string>();
  const parts: Partial<RuleParts> = {};
  let unbounded = false;
  const before = errors.length;
  for (const part of body.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      bad(`"${part.slice(0, 40)}" is not a NAME=VALUE part`);
      continue;
    }
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (seen.has(key)) {
      bad(`${key.slice(0, 20)} appears twice`);
      continue;
    }
    seen.add(key);
    const list = (min: number, max: number, signed: boolean): number[] | undefined => {
      const v = intList(value, min, max, signed);
      if (v === null) bad(`${key} must be a list of ${signed ? `±${min}…${max}` : `${min}…${max}`}`);
      return v ?? undefined;
    };
    const single = (max: number): number | undefined => {
      if (value.includes(',')) {
        bad(`${key} takes one value (at most one drill a day)`, 'rruleTimeOfDay');
        return undefined;
      }
      const v = intList(value, 0, max, false);
      if (v === null) bad(`${key} must be a number from 0 to ${max}`);
      return v?.[0];
    };
    switch (key) {
      case 'FREQ':
        if (value in FREQUENCIES) parts.freq = value as Freq;
        else if (['DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY'].includes(value)) bad(`FREQ must be YEARLY, MONTHLY or WEEKLY, not ${value}`, 'rruleFrequency');
        else bad('FREQ must be YEARLY, MONTHLY or WEEKLY');
        break;
      case 'COUNT':
      case 'UNTIL':
        if (!unbounded) bad('COUNT and UNTIL are not allowed: the next drill is always scheduled', 'rruleUnbounded');
        unbounded = true;
        break;
      case 'INTERVAL':
        if (/^\d{1,4}$/.test(value) && +value >= 1) parts.interval = +value;
        else bad('INTERVAL must be a whole number from 1 to 9999');
        break;
      case 'BYMONTH':
        parts.bymonth = list(1, 12, false);
        break;
      case 'BYWEEKNO':
        parts.byweekno = list(1, 53, true);
        break;
      case 'BYYEARDAY':
        parts.byyearday = list(1, 366, true);
        break;
      case 'BYMONTHDAY':
        parts.bymonthday = list(1, 31, true);
        break;
      case 'BYSETPOS':
        parts.bysetpos = list(1, 366, true);
        break;
      case 'BYDAY': {
        const days: Array<{ n?: number; day: string }> = [];
        for (const item of value.split(',').slice(0, 400)) {
          const dm = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
          const n = dm?.[1] === undefined ? undefined : Number(dm[1]);
          if (!dm || (n !== undefined && (n === 0 || Math.abs(n) > 53))) {
            bad('BYDAY must list weekdays (MO…SU), optionally with an ordinal such as 1MO or -1FR');
            break;
          }
          if (!days.some((x) => x.day === dm[2] && x.n === n)) days.push(n === undefined ? { day: dm[2] } : { n, day: dm[2] });
        }
        parts.byday = days;
        break;
      }
      case 'BYHOUR':
        parts.byhour = single(23);
        break;
      case 'BYMINUTE':
        parts.byminute = single(59);
        break;
      case 'BYSECOND':
        parts.bysecond = single(59);
        break;
      case 'WKST':
        if (value in WEEKDAYS) parts.wkst = value;
        else bad('WKST must be a weekday (MO…SU)');
        break;
      default:
        bad(`unsupported RRULE part ${key.slice(0, 20)}`);
    }
  }
  if (!seen.has('FREQ')) bad('FREQ is required (YEARLY, MONTHLY or WEEKLY)');
  if (errors.length > before || parts.freq === undefined) return null;

  const freq = parts.freq;
  const notWith = (name: string, present: unknown, freqs: readonly Freq[]) => {
    if (present !== undefined && freqs.includes(freq)) bad(`${name} cannot be used with FREQ=${freq}`);
  };
  notWith('BYMONTHDAY', parts.bymonthday, ['WEEKLY']);
  notWith('BYSETPOS', parts.bysetpos, ['WEEKLY']);
  notWith('BYWEEKNO', parts.byweekno, ['WEEKLY', 'MONTHLY']);
  notWith('BYYEARDAY', parts.byyearday, ['WEEKLY', 'MONTHLY']);
  const ordinals = parts.byday?.filter((d) => d.n !== undefined) ?? [];
  if (ordinals.length > 0 && (freq === 'WEEKLY' || parts.byweekno !== undefined))
    bad('BYDAY ordinals (1MO, -1FR) need FREQ=MONTHLY or YEARLY without BYWEEKNO');
  if (freq === 'MONTHLY' && ordinals.some((d) => Math.abs(d.n!) > 5)) bad('BYDAY ordinals are at most 5 in a month');
  if (
    parts.bysetpos !== undefined &&
    !['bymonth', 'byweekno', 'byyearday', 'bymonthday', 'byday', 'byhour', 'byminute', 'bysecond'].some((k) => parts[k as keyof RuleParts] !== undefined)
  ) {
    bad('BYSETPOS needs another BY part to select from');
  }
  if (start.kind === 'utc' && (parts.byhour !== undefined || parts.byminute !== undefined || parts.bysecond !== undefined)) {
    bad('a UTC DTSTART (…Z) cannot be combined with BYHOUR, BYMINUTE or BYSECOND: give DTSTART in the agency time zone', 'rruleTimezone');
  }
  if (errors.length > before) return null;

  const rule: RuleParts = { ...(parts as RuleParts), interval: parts.interval ?? 1 };
  return { parts: rule, canonical: canonicalRule(rule), start };
}

function canonicalRule(p: RuleParts): string {
  const out = [`FREQ=${p.freq}`];
  if (p.interval !== 1) out.push(`INTERVAL=${p.interval}`);
  if (p.bymonth) out.push(`BYMONTH=${p.bymonth.join(',')}`);
  if (p.byweekno) out.push(`BYWEEKNO=${p.byweekno.join(',')}`);
  if (p.byyearday) out.push(`BYYEARDAY=${p.byyearday.join(',')}`);
  if (p.bymonthday) out.push(`BYMONTHDAY=${p.bymonthday.join(',')}`);
  if (p.byday) out.push(`BYDAY=${p.byday.map((d) => `${d.n ?? ''}${d.day}`).join(',')}`);
  if (p.bysetpos) out.push(`BYSETPOS=${p.bysetpos.join(',')}`);
  if (p.byhour !== undefined) out.push(`BYHOUR=${p.byhour}`);
  if (p.byminute !== undefined) out.push(`BYMINUTE=${p.byminute}`);
  if (p.bysecond !== undefined) out.push(`BYSECOND=${p.bysecond}`);
  if (p.wkst) out.push(`WKST=${p.wkst}`);
  return out.join(';');
}

/** An rrule RRule over floating time (no tzid, no cache). */
function buildRule(p: RuleParts, dtstart: Date): Rule {
  const options: Partial<Options> = {
    freq: FREQUENCIES[p.freq],
    interval: p.interval,
    dtstart,
    tzid: null,
    bymonth: p.bymonth ?? null,
    byweekno: p.byweekno ?? null,
    byyearday: p.byyearday ?? null,
    bymonthday: p.bymonthday ?? null,
    byweekday: p.byday?.map((d) => (d.n === undefined ? WEEKDAYS[d.day] : WEEKDAYS[d.day].nth(d.n))) ?? null,
    bysetpos: p.bysetpos ?? null,
    byhour: p.byhour ?? null,
    byminute: p.byminute ?? null,
    bysecond: p.bysecond ?? null,
    wkst: p.wkst ? WEEKDAYS[p.wkst] : null,
  };
  return new RRule(options, true);
}

function formatFloating(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

/* ----------------------------------------------------------------------------------------------
 * parseProgramme
 * -------------------------------------------------------------------------------------------- */

/** Occurrences inspected after `now` by the interval check (and the years they must cover). */
const CHECK_OCCURRENCES = 12;
const CHECK_YEARS = 10;
/** Occurrences inspected from DTSTART in all (bounds the work for an old DTSTART). */
const CHECK_LIMIT = 50_000;
/** How far before `now` an explicit DTSTART may be. */
const MAX_START_AGE_YEARS = 50;

/**
 * Checks a drill programme sent by a client and normalises it. Never throws, whatever the input.
 *
 * Refusals (`PlanFieldError` with field `rrule`, `drillType`, `reminders`/`reminders[i]`, or
 * `programme`, `timezone`, `responsibilityLevel`, `now` for bad arguments), by rule name:
 * - `rrule`: does not parse, unsupported part, DTSTART more than 50 years before now, …
 * - `rruleFrequency`: FREQ other than YEARLY, MONTHLY, WEEKLY
 * - `rruleUnbounded`: COUNT or UNTIL (the next drill is always scheduled)
 * - `rruleTimeOfDay`: more than one BYHOUR/BYMINUTE/BYSECOND value (at most one drill a day)
 * - `rruleTimezone`: a TZID other than the agency's zone; a UTC DTSTART with BYHOUR & co
 * - `rruleNextOccurrence`: no occurrence after `now`
 * - `drillInterval`: a gap longer than the legal interval (1 year for level A, 2 years for B–E,
 *   calendar years in the agency's zone, plus `DRILL_INTERVAL_GRACE_DAYS`) between DTSTART and
 *   the first occurrence, between
 *   consecutive occurrences (from DTSTART up to at least 12 occurrences and 10 years after now),
 *   or between `now` and the next occurrence
 * - `isoDuration`: a reminder that is not a positive ISO 8601 duration of at most P1Y
 * - `maxItems`: more than 10 reminders; `type`, `required`, `enum`, `maxLength`, `unknownField`
 * Reminders are de-duplicated by length (measured as in `durationMillis`) and sorted longest first.
 */
export function parseProgramme(input: unknown, agency: ProgrammeAgency, now: string): { programme: Programme } | { errors: PlanFieldError[] } {
  const errors: PlanFieldError[] = [];
  try {
    const programme = parse(input, agency, now, errors);
    if (programme && errors.length === 0) return { programme };
  } catch {
    errors.push(err('programme', 'type', 'the programme could not be read'));
  }
  if (errors.length === 0) errors.push(err('programme', 'type', 'the programme could not be read'));
  return { errors };
}

function parse(input: unknown, agency: ProgrammeAgency, now: string, errors: PlanFieldError[]): Programme | null {
  const zone = canonicalZone((agency as Partial<ProgrammeAgency> | null | undefined)?.timezone);
  const level = (agency as Partial<ProgrammeAgency> | null | undefined)?.responsibilityLevel;
  const nowDt = typeof now === 'string' ? DateTime.fromISO(now, { zone: zone ?? 'utc' }) : DateTime.invalid('not a string');
  if (zone === null) errors.push(err('timezone', 'timezone', "the agency's time zone is not an IANA time zone"));
  if (!RESPONSIBILITY_LEVELS.includes(level as ResponsibilityLevel))
    errors.push(err('responsibilityLevel', 'enum', `the responsibility level must be one of ${RESPONSIBILITY_LEVELS.join(', ')}`));
  if (!nowDt.isValid) errors.push(err('now', 'isoInstant', 'now must be an ISO 8601 date-time'));
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    errors.push(err('programme', 'type', 'the programme must be a JSON object {rrule, drillType, reminders}'));
    return null;
  }
  // The structure (unknown fields, drillType, reminders, the rrule's type and length) is the schema's;
  // the rule itself is read below whenever it is text, so one answer names every problem.
  const structural = schemaErrors(ProgrammeInputSchema, input, PLAN_RULES);
  errors.push(...structural.map((e) => (e.field === 'plan' ? { ...e, field: 'programme' } : e)));
  const o = input as Record<string, unknown>;
  const drillType = (PROGRAMME_DRILL_TYPES as readonly unknown[]).includes(o.drillType) ? (o.drillType as ProgrammeDrillType) : undefined;
  const reminders = structural.some((e) => e.field.startsWith('reminders'))
    ? null
    : normalisedReminders((o.reminders as string[] | undefined) ?? DEFAULT_REMINDERS);
  if (o.rrule !== undefined && o.rrule !== null && (typeof o.rrule !== 'string' || o.rrule.length > MAX_RRULE_LENGTH)) return null;
  const text = typeof o.rrule === 'string' ? o.rrule : DEFAULT_RRULE;
  const parsed = parseRuleText(text, errors);
  if (!parsed || zone === null || !nowDt.isValid || errors.some((e) => e.field === 'responsibilityLevel')) return null;
  const years = DRILL_INTERVAL_YEARS[level as ResponsibilityLevel];
  const intervalMessage = `a business-continuity drill is due at least every ${years === 1 ? 'year' : `${years} years`} for responsibility level ${level} (every year for level A, every 2 years for levels B–E; ${DRILL_INTERVAL_GRACE_DAYS} days' grace)`;
  const grace = DRILL_INTERVAL_GRACE_DAYS * 86_400_000;
  // Calendar years are at least 365 days: only longer gaps need the calendar.
  const tooLate = (d: Date, since: Date) =>
    d.getTime() - since.getTime() > 365 * years * 86_400_000 + grace && d.getTime() > plusYearsFloating(since, years) + grace;

  // The start, as agency wall-clock time.
  const nowLocal = nowDt.setZone(zone);
  let dtstart: Date;
  const start = parsed.start;
  if (start.kind === 'none') dtstart = toFloating(nowLocal.plus({ days: 1 }).set({ hour: DEFAULT_START_HOUR, minute: 0, second: 0, millisecond: 0 }));
  else if (start.kind === 'utc') dtstart = toFloating(DateTime.fromMillis(start.at.getTime(), { zone }));
  else if (start.kind === 'zoned') {
    const tz = canonicalZone(start.tzid);
    if (tz !== zone) {
      errors.push(
        err(
          'rrule',
          'rruleTimezone',
          `DTSTART's TZID must be the agency's time zone ${zone}${tz === null ? ' (unknown time zone)' : `, not ${tz}`}; drills are scheduled in the agency's local time`,
        ),
      );
      return null;
    }
    dtstart = start.at;
  } else dtstart = start.at;
  if (dtstart.getTime() < plusYearsFloating(toFloating(nowLocal), -MAX_START_AGE_YEARS)) {
    errors.push(err('rrule', 'rrule', `DTSTART may be at most ${MAX_START_AGE_YEARS} years before now`));
    return null;
  }

  // Intervals that cannot fit, whatever the BY parts (also keeps the expansion short).
  const maxInterval = { YEARLY: years, MONTHLY: 12 * years, WEEKLY: Math.floor((366 * years + DRILL_INTERVAL_GRACE_DAYS) / 7) }[parsed.parts.freq];
  if (parsed.parts.interval > maxInterval) {
    errors.push(err('rrule', 'drillInterval', `${intervalMessage}; FREQ=${parsed.parts.freq};INTERVAL=${parsed.parts.interval} leaves longer gaps`));
    return null;
  }

  const rule = buildRule(parsed.parts, dtstart);
  const floatingNow = toFloating(nowLocal);
  const nowMs = nowDt.toMillis();
  const horizon = plusYearsFloating(floatingNow, CHECK_YEARS);
  let previous = dtstart;
  let afterNow = 0;
  let gap: { from: Date; to: Date } | undefined;
  rule.all((d, i) => {
    if (i >= CHECK_LIMIT) return false;
    if (afterNow === 0 && d.getTime() >= floatingNow.getTime() - 86_400_000 && fromFloating(d, zone).toMillis() > nowMs) {
      afterNow = 1;
      // The gap from now to the next drill.
      if (tooLate(d, floatingNow)) {
        gap = { from: floatingNow, to: d };
        return false;
      }
    } else if (afterNow > 0) afterNow++;
    if (tooLate(d, previous)) {
      gap = { from: previous, to: d };
      return false;
    }
    previous = d;
    return !(afterNow >= CHECK_OCCURRENCES && d.getTime() >= horizon);
  });
  if (gap) {
    const show = (d: Date) => fromFloating(d, zone).toFormat("yyyy-MM-dd'T'HH:mm");
    errors.push(err('rrule', 'drillInterval', `${intervalMessage}; the rule leaves a gap from ${show(gap.from)} to ${show(gap.to)} (${zone})`));
    return null;
  }
  if (afterNow === 0) {
    errors.push(err('rrule', 'rruleNextOccurrence', 'the rule has no occurrence after now'));
    return null;
  }
  if (!drillType || !reminders || errors.length > 0) return null;
  return { rrule: `DTSTART;TZID=${zone}:${formatFloating(dtstart)}\nRRULE:${parsed.canonical}`, timezone: zone, drillType, reminders };
}

/** Reminders de-duplicated by length (measured as in `durationMillis`), longest first. */
function normalisedReminders(value: readonly string[]): string[] {
  const valid: Array<{ iso: string; ms: number }> = [];
  for (const iso of value) {
    const ms = durationMillis(iso)!;
    if (!valid.some((v) => v.ms === ms)) valid.push({ iso, ms });
  }
  return valid.sort((a, b) => b.ms - a.ms).map((v) => v.iso);
}

/* ----------------------------------------------------------------------------------------------
 * Expansion
 * -------------------------------------------------------------------------------------------- */

/** The rule of a programme made by `parseProgramme`; throws on anything else. */
function compile(p: Programme): { rule: Rule; zone: string } {
  const zone = canonicalZone(p?.timezone);
  if (zone === null) throw new RangeError(`not an IANA time zone: ${String(p?.timezone)}`);
  const errors: PlanFieldError[] = [];
  const parsed = typeof p.rrule === 'string' && p.rrule.length <= MAX_RRULE_LENGTH + 100 ? parseRuleText(p.rrule, errors) : null;
  if (!parsed || parsed.start.kind !== 'zoned' || canonicalZone(parsed.start.tzid) !== zone) {
    throw new RangeError(`not a normalised programme rule: ${errors[0]?.message ?? String(p?.rrule).slice(0, 200)}`);
  }
  return { rule: buildRule(parsed.parts, parsed.start.at), zone };
}

function instant(iso: string, zone: string): DateTime {
  const dt = typeof iso === 'string' ? DateTime.fromISO(iso, { zone }) : DateTime.invalid('not a string');
  if (!dt.isValid) throw new RangeError(`not an ISO 8601 date-time: ${String(iso)}`);
  return dt;
}

/**
 * The drills of a programme from `from` (inclusive) to `to` (exclusive), as ISO instants in UTC,
 * earliest first; at most `MAX_OCCURRENCES` (the earliest). Throws a RangeError on an invalid
 * instant or a programme not made by `parseProgramme`.
 */
export function occurrencesBetween(p: Programme, from: string, to: string): string[] {
  const { rule, zone } = compile(p);
  const start = instant(from, zone);
  const end = instant(to, zone);
  if (end <= start) return [];
  const startMs = start.toMillis();
  const endMs = end.toMillis();
  const out: string[] = [];
  // Floating bounds widened by a day: offsets (and DST changes) are far less than a day.
  rule.between(toFloating(start.setZone(zone).minus({ days: 1 })), toFloating(end.setZone(zone).plus({ days: 1 })), true, (d) => {
    const at = fromFloating(d, zone);
    const ms = at.toMillis();
    if (ms >= endMs || out.length >= MAX_OCCURRENCES) return false;
    if (ms >= startMs) out.push(isoUtc(at));
    return true;
  });
  return out;
}

/** The first drill strictly after `after` (ISO instant in UTC), or null when there is none. */
export function nextOccurrence(p: Programme, after: string): string | null {
  const { rule, zone } = compile(p);
  const afterDt = instant(after, zone);
  const afterMs = afterDt.toMillis();
  let d = rule.after(toFloating(afterDt.setZone(zone).minus({ days: 1 })), true);
  // At most one drill a day, so a few steps cover the one-day margin.
  for (let i = 0; d !== null && i < 10; i++) {
    const at = fromFloating(d, zone);
    if (at.toMillis() > afterMs) return isoUtc(at);
    d = rule.after(d, false);
  }
  return null;
}

/**
 * When to remind people of the drill at `occurrence`: the occurrence minus each reminder, in the
 * order given, as ISO instants in UTC. Calendar parts (days, months) count in `timezone` (default
 * UTC; pass the programme's zone so a reminder keeps the local time across DST changes).
 * Reminders that are not positive ISO 8601 durations are skipped. Throws a RangeError when
 * `occurrence` is not an ISO 8601 date-time.
 */
export function reminderTimes(occurrence: string, reminders: readonly string[], timezone = 'UTC'): string[] {
  const at = instant(occurrence, timezone);
  const out: string[] = [];
  for (const r of reminders) {
    if (durationMillis(r) === null) continue;
    out.push(isoUtc(at.minus(Duration.fromISO(r))));
  }
  return out;
}
