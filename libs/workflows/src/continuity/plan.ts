/**
 * Business continuity plan documents (article 40; today's rules: per core service an impact
 * analysis with hazards, MTPD, RTO and RPO where RTO < MTPD, activation criteria, emergency and
 * recovery procedures with a responsible role per step, contacts, a review at least yearly).
 *
 * Pure policy code: no I/O, no clock. `validatePlanDocument` takes untrusted JSON and never throws.
 *
 * Durations are ISO 8601 with whole-number parts (`P1Y`, `P1M`, `P2W`, `PT4H`, `P1DT12H`).
 * Calendar parts have no fixed length, so durations are compared by measuring each from one fixed
 * reference instant, 2001-01-01T00:00:00Z (`DURATION_REFERENCE`): P1M = 31 days, P2M = 59 days,
 * P1Y = 365 days, P1D = 24 h. The measure never depends on the current date, so `P1M` vs `P30D`
 * (31 d > 30 d) or `P1M` vs `PT720H` (31 d > 30 d) always compare the same way.
 */
import jsonPatch from 'fast-json-patch';
import { DateTime, Duration } from 'luxon';
import { DATA_LEVELS, TLP_LABELS, type DataLevel, type Tlp } from '../incident/classification.js';
import type { RoleName } from '../incident/incident.events.js';

export const HAZARDS = [
  'earthquake',
  'typhoon',
  'flood',
  'fire',
  'power_loss',
  'network_loss',
  'cyber_attack',
  'pandemic',
  'staff_loss',
  'supplier_failure',
  'facility_loss',
  'other',
] as const;
export type Hazard = (typeof HAZARDS)[number];

export const PROCEDURE_PHASES = ['emergency', 'recovery', 'resumption'] as const;
export type ProcedurePhase = (typeof PROCEDURE_PHASES)[number];

export const SCOPE_KINDS = ['service', 'system'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Roles a procedure step can name (every `RoleName`; the `satisfies` keeps the list complete). */
const ROLE_LIST = [
  'reporter',
  'responder',
  'on_call_manager',
  'ethics_officer',
  'ciso',
  'continuity_coordinator',
  'auditor',
  'admin',
  'vendor',
] as const satisfies readonly RoleName[];
const _everyRoleListed: [Exclude<RoleName, (typeof ROLE_LIST)[number]>] extends [never] ? true : never = true;

export interface PlanScopeEntry {
  name: string;
  kind: ScopeKind;
  core: boolean;
  description?: string;
}

export interface PlanImpactAnalysis {
  /** The name of a scope entry. */
  service: string;
  hazard: Hazard;
  impact: string;
  /** Maximum tolerable period of disruption (ISO 8601 duration). */
  mtpd: string;
  /** Recovery time objective (ISO 8601 duration), strictly below the MTPD. */
  rto: string;
  /** Recovery point objective (ISO 8601 duration). */
  rpo: string;
}

export interface PlanProcedure {
  phase: ProcedurePhase;
  /** Positive integer, unique within its phase. */
  order: number;
  action: string;
  responsibleRole?: RoleName;
  responsibleUnitId?: string;
}

export interface PlanContact {
  name: string;
  function: string;
  phone?: string;
  email?: string;
  organisation?: string;
}

export interface PlanDocument {
  title: string;
  summary?: string;
  classification: { tlp: Tlp; dataLevel: DataLevel };
  scope: PlanScopeEntry[];
  impactAnalysis: PlanImpactAnalysis[];
  activationCriteria: string[];
  procedures: PlanProcedure[];
  contacts: PlanContact[];
  /** ISO 8601 duration, default `P1Y`, at most one year. */
  reviewInterval?: string;
}

export interface PlanFieldError {
  /** Where, as a path: `impactAnalysis[2].rto`, `contacts[0]`, `plan` for the document itself. */
  field: string;
  /** A stable rule name, e.g. `rtoBelowMtpd`, `isoDuration`, `inScope`, `required`. */
  rule: string;
  /** English, for people. */
  message: string;
}

/** Bounds that keep validation (and what is stored) small whatever a client sends. */
export const PLAN_LIMITS = {
  /** Entries per list; entries beyond are not inspected (one `maxItems` error). */
  listItems: 200,
  shortText: 200,
  longText: 4000,
  duration: 64,
  /** At most this many errors are returned. */
  errors: 200,
} as const;

export const DEFAULT_REVIEW_INTERVAL = 'P1Y';
/** The law asks for a review at least yearly. */
export const MAX_REVIEW_INTERVAL = 'P1Y';

/** The instant every duration is measured from (see the module comment). */
export const DURATION_REFERENCE = '2001-01-01T00:00:00.000Z';
const REFERENCE = DateTime.fromISO(DURATION_REFERENCE, { zone: 'utc' });

/** ISO 8601 durations with whole-number parts only (no sign, no fractions). */
const ISO_DURATION = /^P(?!$)(\d{1,9}Y)?(\d{1,9}M)?(\d{1,9}W)?(\d{1,9}D)?(T(?=\d)(\d{1,9}H)?(\d{1,9}M)?(\d{1,9}S)?)?$/;

/**
 * The length of an ISO 8601 duration in milliseconds, measured from `DURATION_REFERENCE`
 * (calendar-aware: P1M = 31 days, P1Y = 365 days). `null` when the text is not a duration this
 * module accepts (whole-number parts) or is not positive.
 */
export function durationMillis(iso: string): number | null {
  if (typeof iso !== 'string' || iso.length > PLAN_LIMITS.duration || !ISO_DURATION.test(iso)) return null;
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) return null;
  const end = REFERENCE.plus(duration);
  if (!end.isValid) return null;
  const ms = end.toMillis() - REFERENCE.toMillis();
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/**
 * When the plan approved at `approvedAt` is due for review: `approvedAt` plus the review interval
 * (default P1Y; a missing, invalid or longer-than-a-year interval counts as P1Y, since the plan is
 * reviewed at least yearly). Calendar parts count in `timezone` when given, otherwise in the
 * offset written in `approvedAt`. Returns an ISO instant in UTC; throws a RangeError when
 * `approvedAt` is not an ISO 8601 date-time.
 */
export function nextReviewDue(approvedAt: string, reviewInterval?: string, timezone?: string): string {
  const start = timezone ? DateTime.fromISO(approvedAt, { zone: timezone }) : DateTime.fromISO(approvedAt, { setZone: true });
  if (!start.isValid) throw new RangeError(`not an ISO 8601 date-time: ${approvedAt}`);
  const max = durationMillis(MAX_REVIEW_INTERVAL)!;
  const ms = reviewInterval === undefined ? null : durationMillis(reviewInterval);
  const interval = ms !== null && ms <= max ? reviewInterval! : MAX_REVIEW_INTERVAL;
  return start.plus(Duration.fromISO(interval)).toUTC().toISO()!;
}

/** Names of the core scope entries (services and systems), in plan order. */
export function coreServices(doc: PlanDocument): string[] {
  const scope: unknown = (doc as { scope?: unknown } | null | undefined)?.scope;
  if (!Array.isArray(scope)) return [];
  return scope.filter((s): s is PlanScopeEntry => isRecord(s) && s.core === true && typeof s.name === 'string').map((s) => s.name);
}

/* ----------------------------------------------------------------------------------------------
 * Validation
 * -------------------------------------------------------------------------------------------- */

class Errors {
  readonly list: PlanFieldError[] = [];
  add(field: string, rule: string, message: string): void {
    if (this.list.length < PLAN_LIMITS.errors) this.list.push({ field, rule, message });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function has(o: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined && o[key] !== null;
}

function unknownKeys(e: Errors, o: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  let reported = 0;
  for (const key in o) {
    if (!Object.prototype.hasOwnProperty.call(o, key) || allowed.includes(key)) continue;
    if (reported++ >= 10) break;
    const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
    e.add(prefix ? `${prefix}.${shown}` : shown, 'unknownField', `unknown field "${shown}"`);
  }
}

/** A text field: a non-blank string within `max` characters. Returns it (trimmed) when valid. */
function text(e: Errors, o: Record<string, unknown>, key: string, field: string, max: number, required: boolean): string | undefined {
  if (!has(o, key)) {
    if (required) e.add(field, 'required', `${field} is required`);
    return undefined;
  }
  const v = o[key];
  if (typeof v !== 'string') {
    e.add(field, 'type', `${field} must be a string`);
    return undefined;
  }
  if (v.length > max) {
    e.add(field, 'maxLength', `${field} must be at most ${max} characters`);
    return undefined;
  }
  const t = v.trim();
  if (t === '') {
    e.add(field, 'required', `${field} must not be empty`);
    return undefined;
  }
  return t;
}

function oneOf<T extends string>(e: Errors, o: Record<string, unknown>, key: string, field: string, values: readonly T[], required: boolean): T | undefined {
  if (!has(o, key)) {
    if (required) e.add(field, 'required', `${field} is required`);
    return undefined;
  }
  const v = o[key];
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  e.add(field, 'enum', `${field} must be one of: ${values.join(', ')}`);
  return undefined;
}

/** A list with at least `min` entries; returns at most `PLAN_LIMITS.listItems` of them. */
function list(e: Errors, o: Record<string, unknown>, key: string, min: number): unknown[] | undefined {
  if (!has(o, key)) {
    e.add(key, 'required', `${key} is required`);
    return undefined;
  }
  const v = o[key];
  if (!Array.isArray(v)) {
    e.add(key, 'type', `${key} must be a list`);
    return undefined;
  }
  if (v.length < min) e.add(key, 'minItems', `${key} needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`);
  if (v.length > PLAN_LIMITS.listItems) {
    e.add(key, 'maxItems', `${key} may hold at most ${PLAN_LIMITS.listItems} entries`);
    return v.slice(0, PLAN_LIMITS.listItems);
  }
  return v;
}

/** A positive ISO 8601 duration; returns its measure in milliseconds when valid. */
function duration(e: Errors, o: Record<string, unknown>, key: string, field: string, required: boolean): number | undefined {
  if (!has(o, key)) {
    if (required) e.add(field, 'required', `${field} is required`);
    return undefined;
  }
  const v = o[key];
  const ms = typeof v === 'string' ? durationMillis(v) : null;
  if (ms === null) {
    e.add(field, 'isoDuration', `${field} must be a positive ISO 8601 duration with whole-number parts, e.g. PT4H, P3D, P1M`);
    return undefined;
  }
  return ms;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@.]{1,63}$/;
const PHONE = /^\+?[0-9(][0-9 ()#.\-/]{1,38}(?:\s*(?:ext\.?|x)\s*[0-9]{1,8})?$/i;

const PLAN_KEYS = ['title', 'summary', 'classification', 'scope', 'impactAnalysis', 'activationCriteria', 'procedures', 'contacts', 'reviewInterval'] as const;
const SCOPE_KEYS = ['name', 'kind', 'core', 'description'] as const;
const IMPACT_KEYS = ['service', 'hazard', 'impact', 'mtpd', 'rto', 'rpo'] as const;
const PROCEDURE_KEYS = ['phase', 'order', 'action', 'responsibleRole', 'responsibleUnitId'] as const;
const CONTACT_KEYS = ['name', 'function', 'phone', 'email', 'organisation'] as const;

/**
 * Checks a plan document sent by a client. Returns every problem found (at most
 * `PLAN_LIMITS.errors`), `[]` when the document is valid. Never throws, whatever the input.
 *
 * Rules (rule names in brackets): the document is an object [type]; no unknown fields
 * [unknownField]; required fields present and non-blank [required]; types [type]; lengths
 * [maxLength]; lists [minItems, maxItems]; enumerations: hazard, scope kind, phase, TLP, data
 * level, responsible role [enum]; scope names unique, one impact row per (service, hazard), step
 * order unique within a phase [unique]; durations [isoDuration]; RTO strictly below MTPD, measured
 * from `DURATION_REFERENCE` [rtoBelowMtpd, on `impactAnalysis[i].rto`]; an impact row names a
 * scope entry [inScope]; each core scope entry has at least one impact row [coreServiceAnalysed,
 * on `scope[i].name`]; a step names a responsible role or unit [responsible, on `procedures[i]`];
 * step order a positive integer [positiveInteger]; a contact has a phone or an e-mail
 * [contactMethod, on `contacts[i]`] in a plausible format [format]; the review interval at most
 * one year [reviewAtLeastYearly].
 */
export function validatePlanDocument(doc: unknown): PlanFieldError[] {
  const e = new Errors();
  try {
    validate(e, doc);
  } catch {
    // Defensive only: the checks above are written not to throw (e.g. on getters or proxies).
    e.add('plan', 'type', 'the plan could not be read');
  }
  return e.list;
}

function validate(e: Errors, doc: unknown): void {
  if (!isRecord(doc)) {
    e.add('plan', 'type', 'the plan must be a JSON object');
    return;
  }
  unknownKeys(e, doc, PLAN_KEYS, '');
  text(e, doc, 'title', 'title', PLAN_LIMITS.shortText, true);
  text(e, doc, 'summary', 'summary', PLAN_LIMITS.longText, false);

  if (!has(doc, 'classification')) e.add('classification', 'required', 'classification is required');
  else if (!isRecord(doc.classification)) e.add('classification', 'type', 'classification must be an object {tlp, dataLevel}');
  else {
    unknownKeys(e, doc.classification, ['tlp', 'dataLevel'], 'classification');
    oneOf(e, doc.classification, 'tlp', 'classification.tlp', TLP_LABELS, true);
    oneOf(e, doc.classification, 'dataLevel', 'classification.dataLevel', DATA_LEVELS, true);
  }

  // Scope: names unique; remember which names exist and which are core.
  const scopeNames = new Map<string, number>();
  const core: Array<{ index: number; name: string }> = [];
  (list(e, doc, 'scope', 1) ?? []).forEach((entry, i) => {
    const f = `scope[${i}]`;
    if (!isRecord(entry)) return e.add(f, 'type', `${f} must be an object`);
    unknownKeys(e, entry, SCOPE_KEYS, f);
    const name = text(e, entry, 'name', `${f}.name`, PLAN_LIMITS.shortText, true);
    oneOf(e, entry, 'kind', `${f}.kind`, SCOPE_KINDS, true);
    if (!has(entry, 'core')) e.add(`${f}.core`, 'required', `${f}.core is required`);
    else if (typeof entry.core !== 'boolean') e.add(`${f}.core`, 'type', `${f}.core must be true or false`);
    text(e, entry, 'description', `${f}.description`, PLAN_LIMITS.longText, false);
    if (name === undefined) return;
    if (scopeNames.has(name)) e.add(`${f}.name`, 'unique', `scope name "${name}" is already used by scope[${scopeNames.get(name)}]`);
    else {
      scopeNames.set(name, i);
      if (entry.core === true) core.push({ index: i, name });
    }
  });

  // Impact analysis: per (service, hazard) one row; RTO < MTPD.
  const analysed = new Set<string>();
  const pairs = new Map<string, number>();
  (list(e, doc, 'impactAnalysis', 1) ?? []).forEach((row, i) => {
    const f = `impactAnalysis[${i}]`;
    if (!isRecord(row)) return e.add(f, 'type', `${f} must be an object`);
    unknownKeys(e, row, IMPACT_KEYS, f);
    const service = text(e, row, 'service', `${f}.service`, PLAN_LIMITS.shortText, true);
    const hazard = oneOf(e, row, 'hazard', `${f}.hazard`, HAZARDS, true);
    text(e, row, 'impact', `${f}.impact`, PLAN_LIMITS.longText, true);
    const mtpd = duration(e, row, 'mtpd', `${f}.mtpd`, true);
    const rto = duration(e, row, 'rto', `${f}.rto`, true);
    duration(e, row, 'rpo', `${f}.rpo`, true);
    if (mtpd !== undefined && rto !== undefined && rto >= mtpd) {
      e.add(
        `${f}.rto`,
        'rtoBelowMtpd',
        `${f}.rto (${String(row.rto)}) must be strictly below the maximum tolerable period of disruption (${String(row.mtpd)})`,
      );
    }
    if (service === undefined) return;
    if (!scopeNames.has(service)) e.add(`${f}.service`, 'inScope', `${f}.service "${service}" is not the name of a scope entry`);
    else analysed.add(service);
    if (hazard !== undefined) {
      const key = JSON.stringify([service, hazard]);
      if (pairs.has(key)) e.add(`${f}.hazard`, 'unique', `"${service}" already has an impact row for ${hazard} (impactAnalysis[${pairs.get(key)}])`);
      else pairs.set(key, i);
    }
  });
  for (const { index, name } of core) {
    if (!analysed.has(name))
      e.add(`scope[${index}].name`, 'coreServiceAnalysed', `core ${name ? `"${name}"` : 'entry'} needs at least one impact analysis row`);
  }

  (list(e, doc, 'activationCriteria', 1) ?? []).forEach((c, i) => {
    const f = `activationCriteria[${i}]`;
    if (typeof c !== 'string') e.add(f, 'type', `${f} must be a string`);
    else if (c.length > PLAN_LIMITS.longText) e.add(f, 'maxLength', `${f} must be at most ${PLAN_LIMITS.longText} characters`);
    else if (c.trim() === '') e.add(f, 'required', `${f} must not be empty`);
  });

  const orders = new Map<string, number>();
  (list(e, doc, 'procedures', 1) ?? []).forEach((step, i) => {
    const f = `procedures[${i}]`;
    if (!isRecord(step)) return e.add(f, 'type', `${f} must be an object`);
    unknownKeys(e, step, PROCEDURE_KEYS, f);
    const phase = oneOf(e, step, 'phase', `${f}.phase`, PROCEDURE_PHASES, true);
    let order: number | undefined;
    if (!has(step, 'order')) e.add(`${f}.order`, 'required', `${f}.order is required`);
    else if (typeof step.order !== 'number' || !Number.isSafeInteger(step.order) || step.order < 1) {
      e.add(`${f}.order`, 'positiveInteger', `${f}.order must be a positive integer`);
    } else order = step.order;
    text(e, step, 'action', `${f}.action`, PLAN_LIMITS.longText, true);
    oneOf(e, step, 'responsibleRole', `${f}.responsibleRole`, ROLE_LIST, false);
    text(e, step, 'responsibleUnitId', `${f}.responsibleUnitId`, PLAN_LIMITS.shortText, false);
    if (!has(step, 'responsibleRole') && !has(step, 'responsibleUnitId')) {
      e.add(f, 'responsible', `${f} needs a responsible role (responsibleRole) or unit (responsibleUnitId)`);
    }
    if (phase !== undefined && order !== undefined) {
      const key = `${phase}#${order}`;
      if (orders.has(key)) e.add(`${f}.order`, 'unique', `${phase} step ${order} already exists (procedures[${orders.get(key)}])`);
      else orders.set(key, i);
    }
  });

  (list(e, doc, 'contacts', 1) ?? []).forEach((contact, i) => {
    const f = `contacts[${i}]`;
    if (!isRecord(contact)) return e.add(f, 'type', `${f} must be an object`);
    unknownKeys(e, contact, CONTACT_KEYS, f);
    text(e, contact, 'name', `${f}.name`, PLAN_LIMITS.shortText, true);
    text(e, contact, 'function', `${f}.function`, PLAN_LIMITS.shortText, true);
    text(e, contact, 'organisation', `${f}.organisation`, PLAN_LIMITS.shortText, false);
    const phone = text(e, contact, 'phone', `${f}.phone`, 64, false);
    const email = text(e, contact, 'email', `${f}.email`, 254, false);
    if (phone !== undefined && !PHONE.test(phone)) e.add(`${f}.phone`, 'format', `${f}.phone is not a phone number`);
    if (email !== undefined && !EMAIL.test(email)) e.add(`${f}.email`, 'format', `${f}.email is not an e-mail address`);
    if (!has(contact, 'phone') && !has(contact, 'email')) e.add(f, 'contactMethod', `${f} needs a phone number or an e-mail address`);
  });

  const review = duration(e, doc, 'reviewInterval', 'reviewInterval', false);
  if (review !== undefined && review > durationMillis(MAX_REVIEW_INTERVAL)!) {
    e.add('reviewInterval', 'reviewAtLeastYearly', `the plan must be reviewed at least yearly: reviewInterval may be at most ${MAX_REVIEW_INTERVAL}`);
  }
}

/* ----------------------------------------------------------------------------------------------
 * Diff
 * -------------------------------------------------------------------------------------------- */

export interface PlanChange {
  op: 'add' | 'remove' | 'replace';
  /** JSON pointer (RFC 6901) into the plan document. */
  path: string;
  /** The old value (replace, remove). Not RFC 6902's `from`, which is a path. */
  from?: unknown;
  /** The new value (add, replace). */
  value?: unknown;
}

/**
 * What changed from plan `a` to plan `b`: fast-json-patch `compare` (an RFC 6902 patch that turns
 * `a` into `b`, applied in order), each operation carrying the value it overwrites or removes in
 * `from`. Values are read while replaying the patch on a copy of `a`, so `from` is right even
 * where array operations depend on earlier ones. Undefined properties are dropped first (JSON).
 */
export function diffPlans(a: PlanDocument, b: PlanDocument): PlanChange[] {
  const before = toJson(a);
  const after = toJson(b);
  const patch = jsonPatch.compare(before, after);
  let doc: unknown = jsonPatch.deepClone(before);
  const changes: PlanChange[] = [];
  for (const op of patch) {
    if (op.op === 'add') changes.push({ op: 'add', path: op.path, value: op.value });
    else if (op.op === 'replace') changes.push({ op: 'replace', path: op.path, from: jsonPatch.getValueByPointer(doc, op.path), value: op.value });
    else if (op.op === 'remove') changes.push({ op: 'remove', path: op.path, from: jsonPatch.getValueByPointer(doc, op.path) });
    else continue; // compare() emits add/remove/replace only (and test when asked to)
    doc = jsonPatch.applyOperation(doc, op, false, true).newDocument;
  }
  return changes;
}

function toJson(v: unknown): object {
  const json: unknown = JSON.parse(JSON.stringify(v ?? {}));
  return json !== null && typeof json === 'object' ? json : {};
}
