import * as z from 'zod';
import { isInstant } from './instant.js';
import { Problems, type FieldError } from './problem.js';

/**
 * The one source of every request and response shape: zod schemas. The same schema checks the
 * request at run time (`parseOr400`, or `@Body({ schema })` through the global pipe), documents it
 * in /api/openapi.json (`jsonSchemaOf`, the document's standardSchemaConverter) and types the
 * service code (`z.infer`). Cross-field domain rules (RTO below MTPD, reminder lead shorter than the
 * report clock, …) stay as code in libs/workflows; only structure lives here.
 *
 * Each issue becomes a FieldError with the rule names the API has always used (isString, isIn,
 * isLength, max, whitelist, isUuid, isInstant, …), so clients and tests keep reading the same rules.
 */

/** An RFC 3339 instant with a zone offset (see isInstant): `2026-03-02T09:00:00+08:00`. */
export const Instant = z
  .custom<string>((v) => isInstant(v), {
    message: 'must be an RFC 3339 time with a zone offset, e.g. 2026-03-02T09:00:00+08:00',
    params: { rule: 'isInstant' },
  })
  .meta({ type: 'string', format: 'date-time', examples: ['2026-03-02T09:00:00+08:00'] });

/** An instant as the API writes it (UTC, `…Z`). */
export const InstantOut = z.string().meta({ format: 'date-time', examples: ['2026-03-02T01:00:00.000Z'] });

/** A UUID, case-insensitive on input (RFC 9562) and lower-cased for storage and comparison. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const Uuid = z
  .string()
  .refine((s) => UUID.test(s), { params: { rule: 'isUuid' }, message: 'must be a UUID' })
  .overwrite((s) => s.toLowerCase())
  .meta({ format: 'uuid' });

/** Text of `min`–`max` characters with at least one that is not a space. */
export function Text(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => /\S/.test(s), { message: 'must not be blank', params: { rule: 'notBlank' } });
}

/** `limit` and `cursor`, as every list takes them. */
export const PageQueryShape = {
  limit: z
    .string()
    .refine((s) => /^\d{1,4}$/.test(s), { params: { rule: 'isInt' }, message: 'must be a whole number from 1 to 200' })
    .transform(Number)
    .pipe(z.int().min(1).max(200))
    .optional()
    .meta({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'page size, 1–200 (default 50)' }),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,500}$/, { message: 'cursor must be a cursor returned by a previous page' })
    .optional()
    .meta({ description: 'opaque cursor from the previous page (nextCursor)' }),
};

/** A list's query when it takes nothing but paging. */
export const PageQuery = z.strictObject(PageQueryShape);
export type PageQuery = z.output<typeof PageQuery>;

/** A page of a list: `{items, nextCursor}`. */
export function PageOf<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** One error of a problem: the field (dotted path, `body` for the whole body), the rule it broke, a message. */
export const FieldErrorSchema = z.strictObject({ field: z.string(), rule: z.string(), message: z.string() }).meta({ id: 'FieldError' });

/** RFC 9457 problem details, as every error of the API is answered. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().meta({ examples: ['/problems/validation-error'] }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(FieldErrorSchema).optional(),
    allowedEvents: z.array(z.unknown()).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `errors[]` names each field and rule' });

const TYPE_RULES: Record<string, string> = {
  string: 'isString',
  number: 'isNumber',
  int: 'isInt',
  boolean: 'isBoolean',
  object: 'isObject',
  array: 'isArray',
};

function sizeRule(issue: { code: string; origin?: string }): string {
  const big = issue.code === 'too_big';
  switch (issue.origin) {
    case 'string':
      return 'isLength';
    case 'array':
    case 'set':
      return big ? 'arrayMaxSize' : 'arrayMinSize';
    default:
      return big ? 'max' : 'min';
  }
}

function formatRule(format: string | undefined): string {
  switch (format) {
    case 'uuid':
    case 'guid':
      return 'isUuid';
    case 'email':
      return 'isEmail';
    case 'datetime':
      return 'isInstant';
    case 'url':
      return 'isUrl';
    default:
      return 'matches';
  }
}

type Issue = z.core.$ZodIssue;

/** The API's FieldErrors for zod's issues: one per issue, one per unknown key. */
type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  format?: string;
  params?: { rule?: string };
  checks?: Array<{ _zod: { def: { check?: string; params?: { rule?: string }; format?: string } } }>;
}
const defOf = (s: AnySchema): Def => (s._zod as unknown as { def: Def }).def;

/** The schema under optional, nullable, default, readonly and the input side of a pipe. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

/** The schema a path leads to inside an object schema, when it can be followed. */
function schemaAt(schema: AnySchema | undefined, path: readonly PropertyKey[]): AnySchema | undefined {
  let s = schema;
  for (const key of path) {
    if (!s) return undefined;
    const def = defOf(unwrap(s));
    s = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
  }
  return s && unwrap(s);
}

/** The length bounds a string or array schema declares (for messages naming both ends). */
function sizeOf(schema: AnySchema | undefined): { min?: number; max?: number } {
  const out: { min?: number; max?: number } = {};
  for (const check of (schema ? defOf(schema).checks : undefined) ?? []) {
    const d = check._zod.def as { check?: string; minimum?: number; maximum?: number };
    if (d.check === 'min_length' || d.check === 'greater_than') out.min = d.minimum ?? out.min;
    if (d.check === 'max_length' || d.check === 'less_than') out.max = d.maximum ?? out.max;
  }
  return out;
}

const FORMAT_RULES: Record<string, string> = { uuid: 'isUuid', guid: 'isUuid', email: 'isEmail', url: 'isUrl', datetime: 'isInstant', safeint: 'isInt' };

/** The rule a field's schema stands for beyond its type (isUuid, isEmail, isIn, isInstant, …), if any. */
function declaredRule(schema: AnySchema | undefined): string | undefined {
  if (!schema) return undefined;
  const def = defOf(schema);
  if (def.type === 'enum' || def.type === 'literal') return 'isIn';
  if (def.params?.rule) return def.params.rule;
  if (def.format && FORMAT_RULES[def.format]) return FORMAT_RULES[def.format];
  for (const check of def.checks ?? []) {
    const d = check._zod.def;
    if (d.params?.rule) return d.params.rule;
    if (d.format && FORMAT_RULES[d.format]) return FORMAT_RULES[d.format];
  }
  return undefined;
}

/**
 * The API's FieldErrors for zod's issues: one per issue, one per unknown key. A value of the wrong
 * type (or missing) also names the rule its field stands for, as class-validator did (`agencyId`
 * missing: isString and isUuid), when the schema is given.
 */
export function fieldErrorsOf(issues: readonly Issue[], root = 'body', schema?: z.ZodType): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const path = issue.path.map(String).join('.');
    const field = path || root;
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, rule: 'whitelist', message: `property ${key} should not exist` }));
      case 'invalid_type': {
        const message = `${field} ${issue.message.replace(/^Invalid input: /, '')}`;
        const typeRule = TYPE_RULES[issue.expected] ?? 'isDefined';
        const declared = declaredRule(schemaAt(schema, issue.path));
        return [{ field, rule: typeRule, message }, ...(declared && declared !== typeRule ? [{ field, rule: declared, message }] : [])];
      }
      case 'too_big':
      case 'too_small': {
        const bound = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
        const size = sizeOf(schemaAt(schema, issue.path));
        const params =
          issue.code === 'too_big'
            ? { max: bound, ...(size.min !== undefined ? { min: size.min } : {}) }
            : { min: bound, ...(size.max !== undefined ? { max: size.max } : {}) };
        return [{ field, rule: sizeRule(issue), message: `${field}: ${issue.message}`, params }];
      }
      case 'invalid_value':
        return [
          {
            field,
            rule: 'isIn',
            message: `${field} must be one of ${issue.values.map(String).join(', ')}`,
            params: { values: issue.values.map(String).join(', ') },
          },
        ];
      case 'invalid_format':
        return [{ field, rule: formatRule(issue.format), message: `${field}: ${issue.message}` }];
      case 'invalid_union':
        return [{ field, rule: 'isIn', message: `${field}: ${issue.message}` }];
      case 'custom': {
        // A custom rule's other parameters (a duration's `max`) fill the catalog's texts, as the built-in bounds do.
        const { rule, ...rest } = (issue.params ?? {}) as Record<string, unknown>;
        const params = Object.fromEntries(
          Object.entries(rest).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number'),
        );
        return [
          {
            field,
            rule: (rule as string | undefined) ?? 'custom',
            message: `${field} ${issue.message}`,
            ...(Object.keys(params).length ? { params } : {}),
          },
        ];
      }
      default:
        return [{ field, rule: issue.code, message: `${field}: ${issue.message}` }];
    }
  });
}

/** The value parsed by the schema, or a 400 problem naming each field and rule. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, root = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw Problems.validation(fieldErrorsOf(result.error.issues, root, schema));
  return result.data;
}

/**
 * A schema as the OpenAPI 3.1 document holds it (JSON Schema 2020-12): named schemas (`meta({ id })`)
 * become components, referenced as `#/components/schemas/…`.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): { schema: Record<string, unknown>; components: Record<string, unknown> } {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io, reused: 'inline' }) as Record<string, unknown>;
  const { $defs = {}, $schema: _schema, ...rest } = json as { $defs?: Record<string, unknown>; $schema?: string };
  const relink = <V>(v: V): V => JSON.parse(JSON.stringify(v).replaceAll('"#/$defs/', '"#/components/schemas/')) as V;
  return { schema: relink(rest), components: relink($defs) };
}

/** One field of a request body as `GET …/transitions` tells a client to build a form from. */
export const FieldDescriptionSchema = z
  .strictObject({
    name: z.string(),
    required: z.boolean(),
    type: z.string().meta({ description: 'JSON type: string, integer, number, boolean, object, array' }),
    enum: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    format: z.string().optional(),
    minLength: z.int().optional(),
    maxLength: z.int().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    schema: z.record(z.string(), z.unknown()).optional().meta({ description: 'the JSON Schema of an object or array field' }),
  })
  .meta({ id: 'FieldDescription' });
export type FieldDescription = z.infer<typeof FieldDescriptionSchema>;

/**
 * The fields of an object schema (an event variant, a form's body), each with its type and allowed
 * values, read from the same JSON Schema the document carries; `type` itself is left out.
 */
export function fieldsOf(schema: z.ZodType, omit: readonly string[] = ['type']): FieldDescription[] {
  const json = jsonSchemaOf(schema, 'input').schema as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {})
    .filter(([name]) => !omit.includes(name))
    .map(([name, p]) => {
      const type = typeof p.type === 'string' ? p.type : 'enum' in p ? 'string' : 'object';
      const pick = <K extends 'format' | 'minLength' | 'maxLength' | 'minimum' | 'maximum'>(k: K) => (p[k] === undefined ? {} : { [k]: p[k] });
      return {
        name,
        required: required.has(name),
        type,
        ...(Array.isArray(p.enum) ? { enum: p.enum as Array<string | number | boolean> } : 'const' in p ? { enum: [p.const as string] } : {}),
        ...pick('format'),
        ...pick('minLength'),
        ...pick('maxLength'),
        ...pick('minimum'),
        ...pick('maximum'),
        ...(type === 'object' || type === 'array' ? { schema: p } : {}),
      } as FieldDescription;
    });
}
