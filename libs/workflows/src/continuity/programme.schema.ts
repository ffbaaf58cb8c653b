import * as z from 'zod';
import { IsoDuration } from './iso-duration.js';

/** The structure of a drill programme as a client sends it (the RRULE's own rules are `parseProgramme`'s). */

export const PROGRAMME_DRILL_TYPES = ['tabletop', 'functional', 'full_scale'] as const;
export type ProgrammeDrillType = (typeof PROGRAMME_DRILL_TYPES)[number];

/** Reminders: at most this many, each at most `MAX_REMINDER`. */
export const MAX_REMINDERS = 10;
export const MAX_REMINDER = 'P1Y';
export const MAX_RRULE_LENGTH = 1000;

export const ProgrammeInputShape = {
  rrule: z
    .string()
    .max(MAX_RRULE_LENGTH)
    .nullish()
    .meta({
      description:
        'iCalendar RRULE (RFC 5545) of FREQ YEARLY, MONTHLY or WEEKLY without COUNT/UNTIL, optionally after a DTSTART line in the agency’s time zone; default (absent or null) FREQ=YEARLY',
      examples: ['DTSTART;TZID=Asia/Taipei:20270315T090000\nRRULE:FREQ=YEARLY'],
    }),
  drillType: z.enum(PROGRAMME_DRILL_TYPES),
  reminders: z
    .array(IsoDuration({ max: MAX_REMINDER, description: `how long before each drill to remind people, at most ${MAX_REMINDER}`, examples: ['P7D'] }))
    .max(MAX_REMINDERS)
    .nullish()
    .meta({ description: 'default (absent or null) P30D, P7D, P1D; [] for none' }),
};
export const ProgrammeInputSchema = z.strictObject(ProgrammeInputShape);
export type ProgrammeInput = z.output<typeof ProgrammeInputSchema>;
