import * as z from 'zod';
import type { FieldError } from './problem.js';
import { fieldErrorsOf } from './schema.js';

/**
 * Nested fields with the rule names the API has always answered for them (class-validator's
 * `@IsDefined() @IsObject() @ValidateNested()` and `{ each: true }`), so clients keep reading the
 * same `errors[]`. The JSON Schema in the document is the wrapped schema's own.
 */

/**
 * An object field: missing or null → `isDefined`; a string or number → `nestedValidation`; a list →
 * `isObject` on the field and `nestedValidation` on each item that is not an object (`impact.0`).
 */
export function nestedObject<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (value === undefined || value === null) {
      ctx.addIssue({ code: 'custom', params: { rule: 'isDefined' }, message: 'must be an object' });
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => {
        if (typeof item !== 'object' || item === null)
          ctx.addIssue({ code: 'custom', path: [i], params: { rule: 'nestedValidation' }, message: 'must be an object' });
      });
      ctx.addIssue({ code: 'custom', params: { rule: 'isObject' }, message: 'must be an object, not a list' });
    } else if (typeof value !== 'object') {
      ctx.addIssue({ code: 'custom', params: { rule: 'nestedValidation' }, message: 'must be an object' });
    } else {
      // The object's own issues, named here: the shared mapping cannot see through this wrapper to the fields' rules.
      const result = schema.safeParse(value);
      if (!result.success) for (const e of fieldErrorsOf(result.error.issues, '', schema)) ctx.addIssue(relativeIssue(e));
    }
    return value;
  }, schema);
}

/** A FieldError of a nested schema (field relative to it) as an issue at that path, keeping its rule. */
function relativeIssue(e: FieldError) {
  const path = e.field === '' ? [] : e.field.split('.');
  const message = e.message.startsWith(e.field) ? e.message.slice(e.field.length).replace(/^:?\s*/, '') : e.message;
  return { code: 'custom' as const, path, params: { rule: e.rule }, message };
}

/**
 * A list whose items are checked one by one, each broken rule named once on the list itself
 * (`affectedSystems` isLength, `evidenceIds` isUuid), before the list's own size and uniqueness rules.
 */
export function checkedEach<T extends z.ZodType, A extends z.ZodType<unknown[]>>(element: T, list: A) {
  return z.preprocess((value, ctx) => {
    if (!Array.isArray(value)) return value;
    const rules = new Map<string, string>();
    for (const item of value as unknown[]) {
      const result = element.safeParse(item);
      if (result.success) continue;
      for (const e of fieldErrorsOf(result.error.issues, 'each item', element)) if (!rules.has(e.rule)) rules.set(e.rule, e.message);
    }
    for (const [rule, message] of rules) ctx.addIssue({ code: 'custom', params: { rule }, message: `(${message})` });
    return value;
  }, list);
}
