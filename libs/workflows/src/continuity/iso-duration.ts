import { DateTime, Duration } from 'luxon';
import * as z from 'zod';

/**
 * ISO 8601 durations with whole-number parts (`P1Y`, `P1M`, `P2W`, `PT4H`, `P1DT12H`), measured
 * from one fixed reference instant, 2001-01-01T00:00:00Z (`DURATION_REFERENCE`): P1M = 31 days,
 * P2M = 59 days, P1Y = 365 days, P1D = 24 h. The measure never depends on the current date.
 */
export const DURATION_REFERENCE = '2001-01-01T00:00:00.000Z';
const REFERENCE = DateTime.fromISO(DURATION_REFERENCE, { zone: 'utc' });

/** The longest duration text read. */
export const MAX_DURATION_LENGTH = 64;

/** ISO 8601 durations with whole-number parts only (no sign, no fractions). */
export const ISO_DURATION = /^P(?!$)(\d{1,9}Y)?(\d{1,9}M)?(\d{1,9}W)?(\d{1,9}D)?(T(?=\d)(\d{1,9}H)?(\d{1,9}M)?(\d{1,9}S)?)?$/;

/**
 * The length of an ISO 8601 duration in milliseconds, measured from `DURATION_REFERENCE`.
 * `null` when the text is not a duration this module accepts (whole-number parts) or is not positive.
 */
export function durationMillis(iso: string): number | null {
  if (typeof iso !== 'string' || iso.length > MAX_DURATION_LENGTH || !ISO_DURATION.test(iso)) return null;
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) return null;
  const end = REFERENCE.plus(duration);
  if (!end.isValid) return null;
  const ms = end.toMillis() - REFERENCE.toMillis();
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** A positive ISO 8601 duration (rule `isoDuration`), at most `max` when given. */
export function IsoDuration(options: { max?: string; description?: string; examples?: string[] } = {}) {
  const { max } = options;
  const maxMs = max === undefined ? Infinity : durationMillis(max)!;
  return z
    .custom<string>(
      (v) => {
        const ms = typeof v === 'string' ? durationMillis(v) : null;
        return ms !== null && ms <= maxMs;
      },
      {
        params: { rule: 'isoDuration' },
        message: `must be a positive ISO 8601 duration with whole-number parts${max ? ` of at most ${max}` : ''}, e.g. PT4H, P3D, P1M`,
      },
    )
    .meta({
      type: 'string',
      pattern: ISO_DURATION.source,
      maxLength: MAX_DURATION_LENGTH,
      description: options.description ?? `ISO 8601 duration with whole-number parts${max ? `, at most ${max}` : ''}`,
      examples: options.examples ?? ['PT4H'],
    });
}
