import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { PlanFieldError } from './plan.js';
import {
  DEFAULT_REMINDERS,
  DEFAULT_RRULE,
  DRILL_INTERVAL_GRACE_DAYS,
  MAX_OCCURRENCES,
  nextOccurrence,
  occurrencesBetween,
  parseProgramme,
  reminderTimes,
  type Programme,
  type ProgrammeAgency,
} from './programme.js';

const TAIPEI: ProgrammeAgency = { timezone: 'Asia/Taipei', responsibilityLevel: 'A' };
const TAIPEI_B: ProgrammeAgency = { timezone: 'Asia/Taipei', responsibilityLevel: 'B' };
/** 2026-06-10 11:00 in Taipei. */
const NOW = '2026-06-10T03:00:00.000Z';

function ok(input: unknown, agency: ProgrammeAgency = TAIPEI, now = NOW): Programme {
  const result = parseProgramme(input, agency, now);
  if ('errors' in result) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
  return result.programme;
}

function refused(input: unknown, agency: ProgrammeAgency = TAIPEI, now = NOW): PlanFieldError[] {
  const result = parseProgramme(input, agency, now);
  if ('programme' in result) throw new Error(`accepted: ${JSON.stringify(result.programme)}`);
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) expect(e.message.length).toBeGreaterThan(0);
  return result.errors;
}

function expectError(errors: PlanFieldError[], field: string, rule: string): PlanFieldError {
  expect(errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
  return errors.find((e) => e.field === field && e.rule === rule)!;
}

const drill = (rrule?: string, extra: Record<string, unknown> = {}) => ({ ...(rrule === undefined ? {} : { rrule }), drillType: 'tabletop', ...extra });

describe('parseProgramme: accepted forms', () => {
  it('takes a bare rule; DTSTART is the next day at 09:00 in the agency zone', () => {
    expect(ok(drill('FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;BYHOUR=9'))).toEqual({
      rrule: 'DTSTART;TZID=Asia/Taipei:20260611T090000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;BYHOUR=9',
      timezone: 'Asia/Taipei',
      drillType: 'tabletop',
      reminders: ['P30D', 'P7D', 'P1D'],
    });
  });

  it('takes the next day in the agency zone, not in UTC', () => {
    // 2026-06-10T20:00Z is already 2026-06-11 04:00 in Taipei.
    expect(ok(drill('FREQ=YEARLY'), TAIPEI, '2026-06-10T20:00:00Z').rrule).toBe('DTSTART;TZID=Asia/Taipei:20260612T090000\nRRULE:FREQ=YEARLY');
  });

  it('defaults to a yearly rule (first drill the next day at 09:00)', () => {
    const p = ok({ drillType: 'functional' });
    expect(DEFAULT_RRULE).toBe('FREQ=YEARLY');
    expect(p.rrule).toBe('DTSTART;TZID=Asia/Taipei:20260611T090000\nRRULE:FREQ=YEARLY');
    expect(nextOccurrence(p, NOW)).toBe('2026-06-11T01:00:00.000Z');
    expect(ok({ drillType: 'functional', rrule: null }).rrule).toBe(p.rrule);
  });

  it('takes RRULE: prefixes, lower case and a trailing semicolon', () => {
    expect(ok(drill('RRULE:freq=monthly;bymonthday=1;')).rrule).toBe('DTSTART;TZID=Asia/Taipei:20260611T090000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1');
  });

  it('takes DTSTART with the agency TZID (aliases resolved)', () => {
    const expected = 'DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY';
    expect(ok(drill('DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY')).rrule).toBe(expected);
    expect(ok(drill('DTSTART;TZID=ROC:20270315T090000\r\nRRULE:FREQ=YEARLY')).rrule).toBe(expected);
    expect(ok(drill('DTSTART;TZID=Asia/Taipei:20270315T090000\nFREQ=YEARLY')).rrule).toBe(expected);
  });

  it('converts a UTC DTSTART to the agency wall-clock time', () => {
    expect(ok(drill('DTSTART:20270315T010000Z\nRRULE:FREQ=YEARLY')).rrule).toBe('DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY');
    // 16:30Z is already the next day in Taipei.
    expect(ok(drill('DTSTART:20270314T163000Z\nRRULE:FREQ=YEARLY')).rrule).toBe('DTSTART;TZID=Asia/Taipei:20270315T003000\nRRULE:FREQ=YEARLY');
  });

  it('reads a floating DTSTART in the agency zone', () => {
    expect(ok(drill('DTSTART:20270315T090000\nRRULE:FREQ=YEARLY')).rrule).toBe('DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY');
  });

  it('normalises the parts into one order', () => {
    expect(ok(drill('BYDAY=-1FR;BYMONTH=3,9;INTERVAL=1;FREQ=YEARLY;WKST=MO')).rrule).toBe(
      'DTSTART;TZID=Asia/Taipei:20260611T090000\nRRULE:FREQ=YEARLY;BYMONTH=3,9;BYDAY=-1FR;WKST=MO',
    );
  });

  it('parses its own output to the same programme', () => {
    const p = ok(drill('FREQ=MONTHLY;INTERVAL=6;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=14;BYMINUTE=30'));
    expect(ok(drill(p.rrule, { reminders: p.reminders }), TAIPEI, '2031-01-01T00:00:00Z')).toEqual(p);
  });

  it('keeps every drill type', () => {
    for (const drillType of ['tabletop', 'functional', 'full_scale']) expect(ok({ drillType }).drillType).toBe(drillType);
  });
});

describe('parseProgramme: refusals', () => {
  it.each([
    'garbage',
    'FREQ=YEARLY;BYMONTH=13',
    'FREQ=YEARLY;BYMONTH=abc',
    'FREQ=YEARLY;XYZ=1',
    'FREQ=YEARLY;FREQ=MONTHLY',
    'FREQ=FORTNIGHTLY',
    'BYMONTH=3',
    '',
    'FREQ=YEARLY;INTERVAL=0',
    'FREQ=WEEKLY;BYMONTHDAY=1',
    'FREQ=WEEKLY;BYDAY=1MO',
    'FREQ=MONTHLY;BYWEEKNO=3',
    'FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1',
    'FREQ=YEARLY;BYSETPOS=1',
    'FREQ=YEARLY;BYDAY=XX',
    'RRULE:FREQ=YEARLY\nRRULE:FREQ=MONTHLY',
    'RRULE:FREQ=YEARLY\nEXDATE:20270315T090000',
    'DTSTART;TZID=Asia/Taipei:20270230T090000\nRRULE:FREQ=YEARLY',
    'DTSTART;VALUE=DATE:20270315\nRRULE:FREQ=YEARLY',
    'DTSTART;TZID=Asia/Taipei:20270315T090000Z\nRRULE:FREQ=YEARLY',
    'DTSTART:19600101T090000\nRRULE:FREQ=YEARLY',
  ])('refuses %p (rrule)', (rrule) => {
    expectError(refused(drill(rrule)), 'rrule', 'rrule');
  });

  it.each(['DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY'])('refuses FREQ=%s (rruleFrequency)', (freq) => {
    expectError(refused(drill(`FREQ=${freq}`)), 'rrule', 'rruleFrequency');
  });

  it.each(['FREQ=YEARLY;COUNT=5', 'FREQ=YEARLY;UNTIL=20300101T000000Z', 'FREQ=YEARLY;COUNT=5;UNTIL=20300101T000000Z'])(
    'refuses %p: the next drill is always scheduled (rruleUnbounded)',
    (rrule) => {
      const errors = refused(drill(rrule));
      expect(errors).toEqual([expect.objectContaining({ field: 'rrule', rule: 'rruleUnbounded' })]);
    },
  );

  it('refuses more than one drill a day (rruleTimeOfDay)', () => {
    expectError(refused(drill('FREQ=WEEKLY;BYHOUR=9,14')), 'rrule', 'rruleTimeOfDay');
    expectError(refused(drill('FREQ=WEEKLY;BYMINUTE=0,30')), 'rrule', 'rruleTimeOfDay');
  });

  it("refuses a TZID other than the agency's zone (rruleTimezone)", () => {
    const e = expectError(refused(drill('DTSTART;TZID=Asia/Tokyo:20270315T090000\nRRULE:FREQ=YEARLY')), 'rrule', 'rruleTimezone');
    expect(e.message).toContain('Asia/Taipei');
    expectError(refused(drill('DTSTART;TZID=Mars/Olympus:20270315T090000\nRRULE:FREQ=YEARLY')), 'rrule', 'rruleTimezone');
  });

  it('refuses a UTC DTSTART together with BYHOUR (rruleTimezone)', () => {
    expectError(refused(drill('DTSTART:20270315T010000Z\nRRULE:FREQ=YEARLY;BYHOUR=9')), 'rrule', 'rruleTimezone');
  });

  it('refuses a rule without occurrence after now (rruleNextOccurrence)', () => {
    expectError(refused(drill('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30')), 'rrule', 'rruleNextOccurrence');
  });

  describe('the legal drill interval (drillInterval)', () => {
    it('is one year for level A and two years for the others', () => {
      const a = expectError(refused(drill('FREQ=YEARLY;INTERVAL=2')), 'rrule', 'drillInterval');
      expect(a.message).toContain('every year');
      expect(a.message).toContain('level A');
      expect(ok(drill('FREQ=YEARLY;INTERVAL=2'), TAIPEI_B).rrule).toContain('INTERVAL=2');
      const b = expectError(refused(drill('FREQ=YEARLY;INTERVAL=3'), TAIPEI_B), 'rrule', 'drillInterval');
      expect(b.message).toContain('every 2 years');
      for (const level of ['C', 'D', 'E'] as const)
        expect(ok(drill('FREQ=YEARLY;INTERVAL=2'), { timezone: 'Asia/Taipei', responsibilityLevel: level })).toBeTruthy();
    });

    it('checks monthly and weekly intervals too', () => {
      expect(ok(drill('FREQ=MONTHLY;INTERVAL=12'))).toBeTruthy();
      expectError(refused(drill('FREQ=MONTHLY;INTERVAL=13')), 'rrule', 'drillInterval');
      expect(ok(drill('FREQ=MONTHLY;INTERVAL=24'), TAIPEI_B)).toBeTruthy();
      expect(ok(drill('FREQ=WEEKLY;INTERVAL=52'))).toBeTruthy();
      // 53 weeks = 371 days: within the week of grace; 54 weeks is not.
      expect(ok(drill('FREQ=WEEKLY;INTERVAL=53'))).toBeTruthy();
      expectError(refused(drill('FREQ=WEEKLY;INTERVAL=54')), 'rrule', 'drillInterval');
      expect(ok(drill('FREQ=WEEKLY;INTERVAL=105'), TAIPEI_B)).toBeTruthy();
      expectError(refused(drill('FREQ=WEEKLY;INTERVAL=106'), TAIPEI_B), 'rrule', 'drillInterval');
    });

    it('finds gaps the BY parts make (a leap day every 4 years)', () => {
      const e = expectError(refused(drill('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29'), TAIPEI_B), 'rrule', 'drillInterval');
      expect(e.message).toMatch(/gap from 20\d\d-\d\d-\d\dT\d\d:\d\d to 20\d\d-02-29T09:00/);
      // The year in week 53 comes every 5–6 years.
      expectError(refused(drill('FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO'), TAIPEI_B), 'rrule', 'drillInterval');
    });

    it('checks the gap from DTSTART to the first drill', () => {
      // Level B, leap days only: the next drill (2028-02-29) is within 2 years of now, but not of DTSTART.
      const e = expectError(
        refused(drill('DTSTART;TZID=Asia/Taipei:20250301T090000\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29'), TAIPEI_B),
        'rrule',
        'drillInterval',
      );
      expect(e.message).toContain('gap from 2025-03-01T09:00 to 2028-02-29T09:00 (Asia/Taipei)');
      // Level B, every other year from DTSTART's year: 2025-12-31 → 2027-01-01 is fine.
      expect(ok(drill('DTSTART;TZID=Asia/Taipei:20251231T090000\nRRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=1;BYMONTHDAY=1'), TAIPEI_B)).toBeTruthy();
    });

    it('checks the gap from now to the next drill', () => {
      // A first drill more than a year (and a week) away is too late for level A, fine for level B.
      const far = 'DTSTART;TZID=Asia/Taipei:20270620T090000\nRRULE:FREQ=YEARLY';
      expectError(refused(drill(far)), 'rrule', 'drillInterval');
      expect(ok(drill(far), TAIPEI_B)).toBeTruthy();
      expect(ok(drill('DTSTART;TZID=Asia/Taipei:20270601T090000\nRRULE:FREQ=YEARLY'))).toBeTruthy();
    });

    it(`gives ${DRILL_INTERVAL_GRACE_DAYS} days' grace for yearly rules on a weekday or the last day of February`, () => {
      expect(DRILL_INTERVAL_GRACE_DAYS).toBe(7);
      expect(ok(drill('DTSTART;TZID=Asia/Taipei:20280229T090000\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1'), TAIPEI, '2027-06-01T00:00:00Z')).toBeTruthy();
      // The last Friday of March: 2027-03-26 → 2028-03-31 is 371 days.
      expect(ok(drill('FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR'))).toBeTruthy();
      expect(ok(drill('FREQ=YEARLY;BYMONTH=3;BYDAY=1MO'))).toBeTruthy();
      // A rule that drifts by more than the grace is refused: 2 weeks of grace would be needed.
      expectError(refused(drill('DTSTART;TZID=Asia/Taipei:20260701T090000\nRRULE:FREQ=WEEKLY;INTERVAL=54')), 'rrule', 'drillInterval');
    });

    it('accepts an old DTSTART whose rule is regular', () => {
      expect(ok(drill('DTSTART;TZID=Asia/Taipei:19900101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU'))).toBeTruthy();
    });
  });

  describe('drillType', () => {
    it('is required and one of the drill types', () => {
      expectError(refused({ rrule: 'FREQ=YEARLY' }), 'drillType', 'required');
      expectError(refused({ rrule: 'FREQ=YEARLY', drillType: 'simulation' }), 'drillType', 'enum');
      expectError(refused({ rrule: 'FREQ=YEARLY', drillType: 3 }), 'drillType', 'enum');
    });
  });

  describe('reminders', () => {
    it('default to P30D, P7D, P1D', () => {
      expect(DEFAULT_REMINDERS).toEqual(['P30D', 'P7D', 'P1D']);
      expect(ok(drill()).reminders).toEqual(['P30D', 'P7D', 'P1D']);
    });

    it('are sorted longest first and made unique (by length)', () => {
      expect(ok(drill(undefined, { reminders: ['PT2H', 'P1M', 'P7D', 'P1W', 'PT2H', 'P1Y'] })).reminders).toEqual(['P1Y', 'P1M', 'P7D', 'PT2H']);
      expect(ok(drill(undefined, { reminders: [] })).reminders).toEqual([]);
    });

    it.each(['P0D', 'P2Y', 'P13M', 'P366D', 'tomorrow', '-P1D', 7, null])('refuse %p (isoDuration)', (reminder) => {
      const errors = refused(drill(undefined, { reminders: ['P1D', reminder] }));
      expect(errors).toEqual([expect.objectContaining({ field: 'reminders[1]', rule: 'isoDuration' })]);
    });

    it('are at most ten in a list', () => {
      const eleven = Array.from({ length: 11 }, (_, i) => `P${i + 1}D`);
      expectError(refused(drill(undefined, { reminders: eleven })), 'reminders', 'maxItems');
      expect(ok(drill(undefined, { reminders: eleven.slice(1) })).reminders).toHaveLength(10);
      expectError(refused(drill(undefined, { reminders: 'P1D' })), 'reminders', 'type');
    });
  });

  describe('the input and the arguments', () => {
    it('refuses a non-object, unknown fields and a non-string or long rule', () => {
      expectError(refused(null), 'programme', 'type');
      expectError(refused([]), 'programme', 'type');
      expectError(refused(drill('FREQ=YEARLY', { colour: 'red' })), 'colour', 'unknownField');
      expectError(refused(drill(undefined, { rrule: 42 })), 'rrule', 'type');
      expectError(refused(drill(`FREQ=YEARLY;${'BYMONTH=1,'.repeat(200)}`)), 'rrule', 'maxLength');
    });

    it('refuses a bad zone, level or now', () => {
      expectError(refused(drill(), { timezone: 'Nowhere/Land', responsibilityLevel: 'A' }), 'timezone', 'timezone');
      expectError(refused(drill(), { timezone: 'Asia/Taipei', responsibilityLevel: 'Z' as 'A' }), 'responsibilityLevel', 'enum');
      expectError(refused(drill(), TAIPEI, 'soon'), 'now', 'isoInstant');
      expectError(refused(drill(), null as unknown as ProgrammeAgency), 'timezone', 'timezone');
    });

    it('reports every problem at once', () => {
      const errors = refused({ rrule: 'FREQ=DAILY', drillType: 'x', reminders: ['P2Y'] });
      expectError(errors, 'rrule', 'rruleFrequency');
      expectError(errors, 'drillType', 'enum');
      expectError(errors, 'reminders[0]', 'isoDuration');
    });
  });

  describe('robustness', () => {
    it('never throws on arbitrary JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 3 }), (input) => {
          const result = parseProgramme(input, TAIPEI, NOW);
          expect('errors' in result || 'programme' in result).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws on arbitrary rule text and arguments', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), (rrule, reminders, now) => {
          const r1 = parseProgramme({ rrule, drillType: 'tabletop', reminders }, TAIPEI, NOW);
          const r2 = parseProgramme({ rrule, drillType: 'tabletop' }, { timezone: now as string, responsibilityLevel: 'A' }, now as string);
          expect('errors' in r1 || 'programme' in r1).toBe(true);
          expect('errors' in r2 || 'programme' in r2).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('keeps its promises for rules built from real parts', () => {
      const part = fc.constantFrom(
        'FREQ=YEARLY',
        'FREQ=MONTHLY',
        'FREQ=WEEKLY',
        'FREQ=DAILY',
        'INTERVAL=2',
        'INTERVAL=7',
        'INTERVAL=30',
        'BYMONTH=2',
        'BYMONTH=3,9',
        'BYMONTHDAY=29',
        'BYMONTHDAY=-1',
        'BYMONTHDAY=31',
        'BYDAY=MO',
        'BYDAY=1MO',
        'BYDAY=-1FR',
        'BYDAY=MO,WE,FR',
        'BYSETPOS=-1',
        'BYSETPOS=3',
        'BYWEEKNO=10',
        'BYWEEKNO=53',
        'BYYEARDAY=100',
        'BYYEARDAY=366',
        'BYHOUR=9',
        'BYMINUTE=30',
        'WKST=SU',
        'COUNT=3',
      );
      const start = fc.constantFrom('', 'DTSTART;TZID=Asia/Taipei:20260301T090000\n', 'DTSTART:20261231T230000Z\n', 'DTSTART:20200229T090000\n');
      fc.assert(
        fc.property(
          start,
          fc.uniqueArray(part, { minLength: 1, maxLength: 5 }),
          fc.constantFrom<ProgrammeAgency>(TAIPEI, TAIPEI_B),
          (dtstart, parts, agency) => {
            const result = parseProgramme({ rrule: `${dtstart}RRULE:${parts.join(';')}`, drillType: 'tabletop' }, agency, NOW);
            if ('errors' in result) return;
            const p = result.programme;
            // Normalised, stable, and the next drill within the legal interval from now.
            expect(p.rrule).toMatch(/^DTSTART;TZID=Asia\/Taipei:\d{8}T\d{6}\nRRULE:FREQ=(YEARLY|MONTHLY|WEEKLY)/);
            const again = parseProgramme({ rrule: p.rrule, drillType: 'tabletop' }, agency, NOW);
            expect('programme' in again && again.programme.rrule).toBe(p.rrule);
            const next = nextOccurrence(p, NOW)!;
            expect(next > NOW).toBe(true);
            const limit = DateTime.fromISO(NOW).plus({ years: agency.responsibilityLevel === 'A' ? 1 : 2, days: DRILL_INTERVAL_GRACE_DAYS });
            expect(DateTime.fromISO(next) <= limit).toBe(true);
            const within = occurrencesBetween(p, NOW, limit.plus({ seconds: 1 }).toISO()!);
            expect(within[0]).toBe(next);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});

describe('occurrencesBetween', () => {
  const semiannual = ok(drill('DTSTART;TZID=Asia/Taipei:20260101T090000\nRRULE:FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=20'), TAIPEI, '2026-01-01T00:00:00Z');
  const yearly = ok(drill('DTSTART;TZID=Asia/Taipei:20261220T090000\nRRULE:FREQ=YEARLY'));

  it('crosses year boundaries (09:00 in Taipei is 01:00Z)', () => {
    expect(occurrencesBetween(semiannual, '2026-11-01T00:00:00Z', '2028-02-01T00:00:00Z')).toEqual([
      '2026-12-20T01:00:00.000Z',
      '2027-06-20T01:00:00.000Z',
      '2027-12-20T01:00:00.000Z',
    ]);
    expect(occurrencesBetween(yearly, '2026-11-01T00:00:00Z', '2028-02-01T00:00:00Z')).toEqual(['2026-12-20T01:00:00.000Z', '2027-12-20T01:00:00.000Z']);
  });

  it('includes `from` and excludes `to`', () => {
    expect(occurrencesBetween(yearly, '2026-12-20T01:00:00Z', '2027-12-20T01:00:00Z')).toEqual(['2026-12-20T01:00:00.000Z']);
    expect(occurrencesBetween(yearly, '2026-12-20T01:00:01Z', '2027-12-20T01:00:01Z')).toEqual(['2027-12-20T01:00:00.000Z']);
    // Offsets in the bounds are instants like any other.
    expect(occurrencesBetween(yearly, '2026-12-20T09:00:00+08:00', '2026-12-20T09:00:01+08:00')).toEqual(['2026-12-20T01:00:00.000Z']);
  });

  it('is empty for an empty or reversed range', () => {
    expect(occurrencesBetween(yearly, '2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([]);
    expect(occurrencesBetween(yearly, '2028-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([]);
  });

  it('is bounded', () => {
    const weekly = ok(drill('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'));
    const all = occurrencesBetween(weekly, '2026-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
    expect(all).toHaveLength(MAX_OCCURRENCES);
    expect(all[0]).toBe('2026-06-11T01:00:00.000Z');
    expect([...all].sort()).toEqual(all);
  });

  it('throws on invalid instants or a programme it did not make', () => {
    expect(() => occurrencesBetween(yearly, 'then', '2027-01-01T00:00:00Z')).toThrow(RangeError);
    expect(() => occurrencesBetween({ ...yearly, rrule: 'FREQ=DAILY' }, NOW, '2027-01-01T00:00:00Z')).toThrow(RangeError);
    expect(() => occurrencesBetween({ ...yearly, timezone: 'Europe/Berlin' }, NOW, '2027-01-01T00:00:00Z')).toThrow(RangeError);
  });

  describe('in a zone with daylight saving time', () => {
    it('keeps 09:00 local time across the DST changes (America/New_York)', () => {
      const ny = ok(
        drill('DTSTART;TZID=America/New_York:20270301T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO'),
        { timezone: 'America/New_York', responsibilityLevel: 'A' },
        '2027-02-01T00:00:00Z',
      );
      expect(occurrencesBetween(ny, '2027-03-01T00:00:00Z', '2027-03-16T00:00:00Z')).toEqual([
        '2027-03-01T14:00:00.000Z', // EST, UTC−5
        '2027-03-08T14:00:00.000Z',
        '2027-03-15T13:00:00.000Z', // EDT from 2027-03-14, UTC−4
      ]);
      expect(occurrencesBetween(ny, '2027-10-31T00:00:00Z', '2027-11-09T00:00:00Z')).toEqual(['2027-11-01T13:00:00.000Z', '2027-11-08T14:00:00.000Z']);
    });

    it('keeps 09:00 local time in Europe/Berlin (monthly)', () => {
      const berlin = ok(drill('FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9'), { timezone: 'Europe/Berlin', responsibilityLevel: 'A' }, '2027-01-01T00:00:00Z');
      expect(berlin.rrule).toBe('DTSTART;TZID=Europe/Berlin:20270102T090000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=9');
      expect(occurrencesBetween(berlin, '2027-02-01T00:00:00Z', '2027-05-01T00:00:00Z')).toEqual([
        '2027-02-15T08:00:00.000Z',
        '2027-03-15T08:00:00.000Z',
        '2027-04-15T07:00:00.000Z', // CEST from 2027-03-28
      ]);
    });

    it('moves a time that does not exist forward, and takes the later of a time that occurs twice', () => {
      const zone = { timezone: 'Europe/Berlin', responsibilityLevel: 'A' } as const;
      const spring = ok(drill('DTSTART;TZID=Europe/Berlin:20270328T023000\nRRULE:FREQ=YEARLY'), zone, '2027-01-01T00:00:00Z');
      expect(occurrencesBetween(spring, '2027-03-27T00:00:00Z', '2027-03-29T00:00:00Z')).toEqual(['2027-03-28T01:30:00.000Z']); // 03:30 CEST
      const autumn = ok(drill('DTSTART;TZID=Europe/Berlin:20271031T023000\nRRULE:FREQ=YEARLY'), zone, '2027-01-01T00:00:00Z');
      expect(occurrencesBetween(autumn, '2027-10-30T00:00:00Z', '2027-11-01T00:00:00Z')).toEqual(['2027-10-31T01:30:00.000Z']); // 02:30 CET
    });
  });
});

describe('nextOccurrence', () => {
  const p = ok(drill('DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY'));

  it('is strictly after the given instant', () => {
    expect(nextOccurrence(p, NOW)).toBe('2027-03-15T01:00:00.000Z');
    expect(nextOccurrence(p, '2027-03-15T00:59:59.999Z')).toBe('2027-03-15T01:00:00.000Z');
    expect(nextOccurrence(p, '2027-03-15T01:00:00.000Z')).toBe('2028-03-15T01:00:00.000Z');
    expect(nextOccurrence(p, '2027-03-15T09:00:00+08:00')).toBe('2028-03-15T01:00:00.000Z');
  });

  it('starts at DTSTART', () => {
    expect(nextOccurrence(p, '2000-01-01T00:00:00Z')).toBe('2027-03-15T01:00:00.000Z');
  });

  it('agrees with occurrencesBetween', () => {
    const weekly = ok(drill('FREQ=WEEKLY;BYDAY=TU,FR;BYHOUR=15'));
    const list = occurrencesBetween(weekly, NOW, '2026-09-01T00:00:00Z');
    let at = NOW;
    for (const expected of list) {
      at = nextOccurrence(weekly, at)!;
      expect(at).toBe(expected);
    }
  });

  it('is null when a rule has no further occurrence', () => {
    const never: Programme = { ...p, rrule: 'DTSTART;TZID=Asia/Taipei:20260101T090000\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' };
    expect(nextOccurrence(never, NOW)).toBeNull();
  });

  it('does not depend on the host time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(nextOccurrence(p, NOW)).toBe('2027-03-15T01:00:00.000Z');
        expect(ok(drill('FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15')).rrule).toBe(
          'DTSTART;TZID=Asia/Taipei:20260611T090000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15',
        );
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('reminderTimes', () => {
  it('subtracts each reminder from the occurrence', () => {
    expect(reminderTimes('2027-03-15T01:00:00.000Z', DEFAULT_REMINDERS)).toEqual([
      '2027-02-13T01:00:00.000Z',
      '2027-03-08T01:00:00.000Z',
      '2027-03-14T01:00:00.000Z',
    ]);
    expect(reminderTimes('2027-03-15T09:00:00+08:00', ['PT2H', 'P1M'])).toEqual(['2027-03-14T23:00:00.000Z', '2027-02-15T01:00:00.000Z']);
  });

  it('counts calendar days in the given zone (local time kept across DST)', () => {
    // Monday 2027-03-15 09:00 in New York (EDT) — a week before it was still EST.
    expect(reminderTimes('2027-03-15T13:00:00.000Z', ['P7D'], 'America/New_York')).toEqual(['2027-03-08T14:00:00.000Z']);
    expect(reminderTimes('2027-03-15T13:00:00.000Z', ['P7D'])).toEqual(['2027-03-08T13:00:00.000Z']);
  });

  it('skips reminders that are not durations and is empty without reminders', () => {
    expect(reminderTimes('2027-03-15T01:00:00.000Z', ['P1D', 'soon', 'P0D'])).toEqual(['2027-03-14T01:00:00.000Z']);
    expect(reminderTimes('2027-03-15T01:00:00.000Z', [])).toEqual([]);
  });

  it('throws on an invalid occurrence', () => {
    expect(() => reminderTimes('sometime', ['P1D'])).toThrow(RangeError);
  });
});
