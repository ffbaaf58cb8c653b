import type * as z from 'zod';

/**
 * The continuity module's field errors for zod's issues. Its structure lives in zod schemas (the
 * same ones the OpenAPI document shows), but its answers keep the rule names and bracketed paths
 * (`impactAnalysis[0].rto`) the API has always given, in one of two vocabularies:
 * - `PLAN_RULES` (plans, programmes): `required`, `type`, `enum`, `maxLength`, `minItems`,
 *   `maxItems`, `unknownField`;
 * - `FORM_RULES` (drill events, extra drills, corrective actions): `required` for text, `isObject`,
 *   `isBoolean`, `isInt`, `arraySize`, `isIn`, `maxLength`, `whitelist`.
 * A refinement names its own rule (`params: { rule }`): isoDuration, format, isUuid, isInstant, …
 * In plans a field that is missing (or null) is `required`, whatever its type; in forms it breaks
 * the rule of its type (text `required`, `isObject`, `isInstant`, `isIn`, …).
 */
export interface SchemaFieldError {
  field: string;
  rule: string;
  message: string;
}

export interface RuleVocabulary {
  unknownKey: string;
  /** By the type zod expected (`string`, `object`, `int`, …); `other` for the rest. */
  wrongType: Partial<Record<string, string>> & { other: string };
  enumValue: string;
  /** A string shorter than its minimum (empty). */
  tooShortText: string;
  tooLongText: string;
  tooFewItems: string;
  tooManyItems: string;
  /** A number below or above its bounds. */
  numberBounds: string;
  /** The field a failure of the value itself is reported on. */
  root: string;
  /** Whether a missing (or null) field is `required` whatever its type, or breaks the rule its type stands for. */
  missingIsRequired: boolean;
}

export const PLAN_RULES: RuleVocabulary = {
  unknownKey: 'unknownField',
  wrongType: { other: 'type' },
  enumValue: 'enum',
  tooShortText: 'required',
  tooLongText: 'maxLength',
  tooFewItems: 'minItems',
  tooManyItems: 'maxItems',
  numberBounds: 'type',
  root: 'plan',
  missingIsRequired: true,
};

export const FORM_RULES: RuleVocabulary = {
  unknownKey: 'whitelist',
  wrongType: { string: 'required', object: 'isObject', boolean: 'isBoolean', int: 'isInt', number: 'isInt', array: 'arraySize', other: 'isObject' },
  enumValue: 'isIn',
  tooShortText: 'required',
  tooLongText: 'maxLength',
  tooFewItems: 'arraySize',
  tooManyItems: 'arraySize',
  numberBounds: 'isInt',
  root: 'body',
  missingIsRequired: false,
};

/** `impactAnalysis[0].rto` for the path ['impactAnalysis', 0, 'rto']. */
export function bracketPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** At most this many unknown keys are named per object (each shown with at most 40 characters). */
const UNKNOWN_KEYS_SHOWN = 10;

/** The issues of a parse (`safeParse(value, { reportInput: true })`) as field errors, at most `limit`. */
export function fieldErrorsOfIssues(issues: readonly z.core.$ZodIssue[], rules: RuleVocabulary, limit = 200): SchemaFieldError[] {
  const out: SchemaFieldError[] = [];
  for (const issue of issues) {
    const path = bracketPath(issue.path);
    const field = path || rules.root;
    const last = issue.path[issue.path.length - 1];
    const input = (issue as { input?: unknown }).input;
    const missing = rules.missingIsRequired && typeof last === 'string' && (input === undefined || input === null) && issue.code !== 'unrecognized_keys';
    if (missing) {
      out.push({ field, rule: 'required', message: input === null ? `${field} must not be null` : `${field} is required` });
      continue;
    }
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys.slice(0, UNKNOWN_KEYS_SHOWN)) {
          const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
          out.push({ field: path ? `${path}.${shown}` : shown, rule: rules.unknownKey, message: `unknown field "${shown}"` });
        }
        break;
      case 'invalid_type':
        out.push({ field, rule: rules.wrongType[issue.expected] ?? rules.wrongType.other, message: `${field} must be ${article(issue.expected)}` });
        break;
      case 'invalid_value':
        out.push({ field, rule: rules.enumValue, message: `${field} must be one of: ${issue.values.map(String).join(', ')}` });
        break;
      case 'invalid_union':
        out.push({ field, rule: rules.enumValue, message: `${field}: ${issue.message}` });
        break;
      case 'too_small':
      case 'too_big': {
        const big = issue.code === 'too_big';
        const rule =
          issue.origin === 'string'
            ? big
              ? rules.tooLongText
              : rules.tooShortText
            : issue.origin === 'array' || issue.origin === 'set'
              ? big
                ? rules.tooManyItems
                : rules.tooFewItems
              : rules.numberBounds;
        out.push({ field, rule, message: `${field}: ${issue.message}` });
        break;
      }
      case 'custom':
        out.push({ field, rule: (issue.params?.rule as string | undefined) ?? 'custom', message: `${field} ${issue.message}` });
        break;
      default:
        out.push({ field, rule: issue.code === 'invalid_format' ? 'format' : issue.code, message: `${field}: ${issue.message}` });
    }
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

function article(expected: string): string {
  return expected === 'object' || expected === 'array' || expected === 'int' ? `an ${expected === 'int' ? 'integer' : expected}` : `a ${expected}`;
}

/** The schema's field errors for a value (empty when it fits), never throwing. */
export function schemaErrors(schema: z.ZodType, value: unknown, rules: RuleVocabulary, limit = 200): SchemaFieldError[] {
  try {
    const result = schema.safeParse(value, { reportInput: true });
    return result.success ? [] : fieldErrorsOfIssues(result.error.issues, rules, limit);
  } catch {
    return [{ field: rules.root, rule: rules.wrongType.other, message: `the ${rules.root} could not be read` }];
  }
}
