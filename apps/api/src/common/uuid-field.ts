import { Transform } from 'class-transformer';

/**
 * UUIDs are case-insensitive on input (RFC 9562) and stored in lower case: body and query fields
 * holding one (or a list of them) are lower-cased before validation and comparison.
 */
export function LowerCaseUuid(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' ? value.toLowerCase() : Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value,
  );
}
