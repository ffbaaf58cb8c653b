import { DateTime } from 'luxon';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * An instant as RFC 3339 with a zone offset (…T09:00:00+08:00 or …Z), offsets within ±14:00 (what
 * real zones use, and what PostgreSQL accepts). Week dates, ordinal dates and basic formats are
 * refused: they would pass an ISO 8601 check yet not parse in JavaScript.
 */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

/** The first instant past year 9999 in UTC: `9999-12-31T23:00:00-14:00` would otherwise become year 10000. */
const END_OF_9999 = Date.UTC(10000, 0, 1);

export function isInstant(value: unknown): value is string {
  // Luxon checks the calendar (no 30 February), which Date.parse quietly rolls over.
  return typeof value === 'string' && RFC3339.test(value) && DateTime.fromISO(value, { setZone: true }).isValid && Date.parse(value) < END_OF_9999;
}

export function IsInstant(options: ValidationOptions = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be an RFC 3339 time with a zone offset, e.g. 2026-03-02T09:00:00+08:00`, ...options },
      validator: { validate: (value: unknown) => isInstant(value) },
    });
}

/** Text with at least one non-space character. */
export function NotBlank(options: ValidationOptions = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'notBlank',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must not be blank`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || /\S/.test(value) },
    });
}
